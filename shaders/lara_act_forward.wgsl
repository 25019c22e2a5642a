// LARA act with the actor's forward as its prologue (the fused path): each workgroup takes ROWS_PER_WORKGROUP envs,
// ROWS at a time, through the actor's forward in workgroup memory (lib/fused_mlp.wgsl, the same fma chains as the
// forward dispatch it replaces) and the act step of lib/lara_act_row.wgsl, and sums the iteration's metrics.
// actor: the actor's flat params (A_PARAMS), of WEIGHT_TYPE (f32, or the f16 copy of the update's half weights);
// states, obs: (N, STATE_SIZE) at slot t in, slot t + 1 out; replay: (capacity, REPLAY_STRIDE); act_partials:
// (chunk iterations, step.act_partials = workgroups, ACT_METRICS).
#include "lib/grid.wgsl"
#include "lib/workgroup_reduce.wgsl"
#include "lib/fused_mlp.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> scenario: Scenario;
@group(0) @binding(2) var<uniform> norm: LaraObservationNorm;
@group(0) @binding(3) var<storage, read> actor: array<${WEIGHT_TYPE}>;
@group(0) @binding(4) var<storage, read_write> states: array<f32>;
@group(0) @binding(5) var<storage, read_write> obs: array<f32>;
@group(0) @binding(6) var<storage, read_write> replay: array<f32>;
@group(0) @binding(7) var<storage, read_write> act_partials: array<f32>;

#include "lib/lara_act_row.wgsl"

#include "lib/fused_actor_net.wgsl"

const ROWS_PER_WORKGROUP: u32 = ${ROWS_PER_WORKGROUP}u;

fn fm_weight(net: u32, i: u32) -> f32 { return f32(actor[i]); }
// No weight gradient here (lib/fused_mlp.wgsl's backward is not called).
fn fm_grad(net: u32, i: u32, value: f32, first: bool) {}

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, ids: ReduceIds) {
  let group = grid_group(wid, nwg);
  let lid = ids.lid;
  let z_at = A_AT[A_LAYERS];
  var sums: array<f32, REDUCE_WIDTH>;  // ACT_METRICS, this invocation's envs
  for (var block = 0u; block < ROWS_PER_WORKGROUP; block += ROWS) {
    let e0 = group * ROWS_PER_WORKGROUP + block;
    if (e0 >= step.envs) { break; }
    if (step.use_actor != 0u) {
      // obs: (ROWS, OBSERVATION_SIZE), zero past the envs.
      for (var i = lid; i < ROWS * OBSERVATION_SIZE; i += THREADS) {
        let e = e0 + i / OBSERVATION_SIZE;
        fm_mem[A_AT[0] + i] = select(0.0, obs[e * OBSERVATION_SIZE + i % OBSERVATION_SIZE], e < step.envs);
      }
      workgroupBarrier();
      actor_forward(lid);
    }
    let e = e0 + lid;
    if (lid < ROWS && e < step.envs) {
      var mean: array<f32, ACTION_SIZE>;
      if (step.use_actor != 0u) {
        for (var i = 0u; i < ACTION_SIZE; i++) { mean[i] = fm_mem[z_at + lid * ACTION_SIZE + i]; }
      }
      let m = lara_act_row(e, mean);
      for (var i = 0u; i < ACT_METRICS; i++) { sums[i] += m[i]; }
    }
    // The next block's obs overwrite this block's z.
    workgroupBarrier();
  }
  let total = workgroup_sum(ids, sums);
  if (lid == 0u) {
    for (var m = 0u; m < ACT_METRICS; m++) {
      act_partials[(step.chunk_iteration * step.act_partials + group) * ACT_METRICS + m] = total[m];
    }
  }
}
