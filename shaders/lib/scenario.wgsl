// The scenario as one uniform struct (all scalars, 16-byte multiple), mirrored by scenarioUniform() in src/env/scenarioUniform.ts.
// Derived values are precomputed in float64 on the host so the kernels' float32 math stays accurate.

// struct Scenario: its fields and their meaning are declared in src/env/layout.ts (SCENARIO_STRUCT)
${SCENARIO_STRUCT}
