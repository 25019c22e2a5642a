// The generalised world's GPU kernels against the float64 reference: state sampling (every placement, activity,
// nearest association), per-user latencies and their per-type sums, and the fused FRA/RRA rollout, on the shipped
// scenarios that are not the letter's and on small worlds covering each key.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Stream } from '../src/rng/streams.js';
import { parseScenario } from '../src/scenario.js';
import { sampleWorldStatesGpu, worldLatenciesGpu, worldRolloutMeanGpu } from '../src/world/gpu.js';
import { worldLayout } from '../src/world/layout.js';
import { fraWorldAction, rolloutMeanWorld, rraWorldAction, sampleWorldStates, worldLatency } from '../src/world/reference.js';
import { isLetter, worldOf, type World } from '../src/world/world.js';
import { expectClose } from './helpers/expectClose.js';
import { testGpu } from './helpers/gpu.js';

const world = (json: unknown, name: string): [string, World] => [name, worldOf(parseScenario(json, name))];

/** Small worlds, one per feature: area and activity, fixed positions and drawn distances with the policy associating. */
const WORLDS: [string, World][] = [
  world({ servers: [{}, { position: [300, 0], fEs: 2e10 }, { position: [0, 300] }], users: {
    comp: { count: 4, area: { x: [0, 300], y: [0, 300] }, activity: 0.5 }, aigc: { count: 5, area: { x: [0, 300], y: [0, 300] } },
    ve: { count: 3, area: { x: [0, 300], y: [0, 300] }, activity: 0.9 } } }, 'three servers, areas, activity'),
  world({ servers: [{}, { position: [100, 0], bandwidth: { off: 2e8 } }], users: { comp: { count: 2, distance: [30, 90] },
    aigc: { count: 2, positions: [[0, 5], [90, 0]] }, ve: { count: 2, activity: 0.3 } }, association: 'policy' }, 'two servers, policy'),
  world({ users: { comp: { count: 4 }, aigc: { count: 4 }, ve: { count: 4 } } }, 'one server, four of each'),
];

/**
 * The shipped scenarios that describe a generalised world, but `large` (96 users on 8 servers): lavapipe takes minutes
 * to compile its kernels, more than this file's budget; the three small worlds above cover the same code paths.
 */
function shippedWorlds(): [string, World][] {
  const dir = new URL('../scenarios/', import.meta.url);
  return readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'large.json').map((f) => world(JSON.parse(readFileSync(new URL(f, dir), 'utf8')), f))
    .filter(([, w]) => !isLetter(w));
}

const ALL = [...WORLDS, ...shippedWorlds()];

describe.each(ALL)('world on the GPU: %s', (_name, w) => {
  const layout = worldLayout(w);

  it('samples the reference states (identical Philox words)', async () => {
    const { device } = await testGpu();
    const p = { count: 200, seed: 0xabcdef01, stream: Stream.trainStates, firstEnv: 31, slot: 9 };
    const gpu = await sampleWorldStatesGpu(device, w, p);
    const ref = sampleWorldStates(w, p.seed, p.stream, p.firstEnv, p.count, p.slot);
    // Same words; float32 log/cos/sin/pow and the Rician cancellation give ~1e-6 relative, 2e-5 as for the letter's
    // states. Activity flags and nearest servers are integers: exact unless a draw sits on a float32 tie.
    expectClose(gpu, ref, { atol: 0, rtol: 2e-5 }, 'states');
  });

  it('computes each user\'s latency and the per-type sums of the reference (FRA and RRA actions)', async () => {
    const { device } = await testGpu();
    const n = 200;
    const states = Float32Array.from(sampleWorldStates(w, 5, Stream.trainStates, 0, n, 0));
    const actions = new Float32Array(n * layout.action.size);
    for (let i = 0; i < n; i++) {
      const s = states.subarray(i * layout.state.size, (i + 1) * layout.state.size);
      actions.set(i % 2 ? fraWorldAction(w, s) : rraWorldAction(w, 3, i, 0, s), i * layout.action.size);
    }
    const gpu = await worldLatenciesGpu(device, w, states, actions);
    const perUser = new Float64Array(n * layout.users), summary = new Float64Array(n * 8);
    for (let i = 0; i < n; i++) {
      const l = worldLatency(w, states.subarray(i * layout.state.size, (i + 1) * layout.state.size), actions.subarray(i * layout.action.size, (i + 1) * layout.action.size));
      perUser.set(l.perUser, i * layout.users);
      summary.set([...l.sums, ...l.counts, l.total, 0], i * 8);
    }
    // float64 on the same float32 inputs; the letter's latency kernel holds 1e-4 (it lands near 1e-6).
    expectClose(gpu.perUser, perUser, { atol: 0, rtol: 1e-4 }, 'per-user latencies');
    expectClose(gpu.summary, summary, { atol: 0, rtol: 1e-4 }, 'sums, counts, total');
  });

  it('rolls FRA and RRA out to the reference means', async () => {
    const { device } = await testGpu();
    const r = { envs: 40, slots: 3, firstEnv: 2, firstSlot: 5, stateSeed: 11, stateStream: Stream.trainStates, actionSeed: 4 };
    for (const policy of ['fra', 'rra'] as const) {
      const gpu = await worldRolloutMeanGpu(device, w, policy, r);
      const ref = rolloutMeanWorld(w, policy, r);
      // 120 slots summed in float32 (tree, then Kahan): 1e-4 relative as the letter's rollout.
      expectClose([gpu.comp, gpu.aigc, gpu.ve, gpu.total], [ref.comp, ref.aigc, ref.ve, ref.total], { atol: 0, rtol: 1e-4 }, `${policy} means`);
    }
  });
});

it('tests at least the three small worlds', () => {
  expect(ALL.length).toBeGreaterThanOrEqual(3);
});
