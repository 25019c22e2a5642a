// bench/predict.ts's model: roofline per dispatch plus the dispatch and submit costs of the reference device; the
// dispatches an iteration records, on the per-layer and the fused path.
import { describe, expect, it } from 'vitest';
import type { Dispatch, Pipeline } from '../src/gpu/kernel.js';
import { peaksAt, predict, predictPersistent, readReference, recordIteration, withAssumedReread, worldConfigs } from '../bench/predict.js';
import type { FusedVariant } from '../src/train/fusedUpdate.js';
import { memorySeconds } from '../src/gpu/profiler.js';
import { parseTrainConfig } from '../src/train/config.js';
import { laraShapeOf } from '../src/train/shape.js';
import { DEFAULT_WORLD_SCENARIO } from '../bench/world.js';
import { DEFAULT_SCENARIO, loadScenario, parseScenario } from '../src/scenario.js';
import { testGpu } from './helpers/gpu.js';

const ref = readReference(new URL('../bench/reference/h200-2026-11-28.json', import.meta.url).pathname);
/** A dispatch of `workgroups` workgroups (default: more than the H200's 132 SMs, so the whole device). */
const dispatch = (kernel: string, flops: number, bytes: number, workgroups = 1024): Dispatch =>
  ({ pipeline: { kernel } as Pipeline, group: {} as GPUBindGroup, grid: [workgroups, 1, 1], cost: { flops, bytes }, op: kernel });

describe('predicted iteration time', () => {
  it('reads the H200 figures and picks the fp32 rate measured nearest below the batch', () => {
    expect(ref.microsecondsPerDispatch).toBe(3.7);
    expect(peaksAt(ref, 256).gflops).toBe(16_800);
    expect(peaksAt(ref, 65536).gflops).toBe(25_900);
    expect(peaksAt(ref, 65536).gbps).toBe(3_800);
  });

  it('adds the larger of compute and memory time per dispatch, the dispatch cost and the submit share', () => {
    const peaks = { gflops: 1000, gbps: 100 };  // 1 TFLOP/s, 100 GB/s
    // 1e9 FLOPs = 1000 us compute (memory 10 us); 1e7 bytes = 100 us memory (compute 1 us); twice the second kernel
    const p = predict([dispatch('gemm', 1e9, 1e6), dispatch('copy', 1e6, 1e7), dispatch('copy', 1e6, 1e7)], peaks, ref, 10);
    expect(p.rows.map((r) => [r.kernel, r.dispatches, r.microseconds, r.bound])).toEqual([['gemm', 1, 1000, 'compute'], ['copy', 2, 200, 'memory']]);
    expect(p.kernelMicroseconds).toBe(1200);
    expect(p.dispatchMicroseconds).toBeCloseTo(3 * 3.7, 10);
    expect(p.submitMicroseconds).toBeCloseTo((33 + 3.7) / 10, 10);
    expect(p.iterationsPerSecond).toBeCloseTo(1e6 / (1200 + 11.1 + 3.67), 6);
  });

  it('prices the bytes a dispatch re-reads at the re-read bandwidth where the reference has one, else at the copy bandwidth', () => {
    const peaks = { gflops: 1000, gbps: 100 };
    // 1e7 bytes of which 8e6 re-read: 1e7 / 100 GB/s = 100 us without a re-read figure
    const rereading: Dispatch = { ...dispatch('fused', 1e6, 1e7), cost: { flops: 1e6, bytes: 1e7, rereadBytes: 8e6 } };
    expect(predict([rereading], peaks, ref, 10).kernelMicroseconds).toBeCloseTo(100, 10);
    // At 400 GB/s for re-reads: 2e6 / 100 GB/s + 8e6 / 400 GB/s = 20 + 20 us
    const withReread = { ...peaks, rereadGbps: 400 };
    const p = predict([rereading], withReread, ref, 10);
    expect(p.kernelMicroseconds).toBeCloseTo(40, 10);
    expect(p.rows[0].rereadBytes).toBe(8e6);
    expect(memorySeconds(rereading.cost, withReread)).toBeCloseTo(40e-6, 15);
    // A reference's figure, measured or assumed, reaches the peaks; the H200's has none.
    expect(peaksAt(ref, 256).rereadGbps).toBeUndefined();
    const assumed = withAssumedReread(ref, '11.4');
    expect(assumed.rereadAssumed).toBe(true);
    expect(peaksAt(assumed, 256).rereadGbps).toBeCloseTo(11_400, 6);
    expect(() => withAssumedReread(ref, 'fast')).toThrow(/--assume-reread: fast is not a bandwidth/);
  });

  it('runs a dispatch of fewer workgroups than the device has compute units at that share of the peaks', () => {
    const peaks = { gflops: 1000, gbps: 100 };
    expect(ref.computeUnits).toBe(132);
    // 1e9 FLOPs: 1000 us on the whole device; 2 workgroups use 2 of 132 SMs: 66,000 us
    const p = predict([dispatch('fused', 1e9, 1e6, 2)], peaks, ref, 10);
    expect(p.kernelMicroseconds).toBeCloseTo(66_000, 6);
  });

  it('runs the persistent variant\'s whole iteration at one workgroup\'s rate, one dispatch and submit per R iterations', () => {
    const peaks = { gflops: 1000, gbps: 100 };
    // 1e9 FLOPs at 1000 / 132 GFLOP/s: 132,000 us; 1e6 bytes at 100 / 132 GB/s: 1,320 us (compute bound), whatever the
    // dispatches' own grids.
    const p = predictPersistent([dispatch('a', 5e8, 5e5, 1024), dispatch('b', 5e8, 5e5, 2)], peaks, ref, 50);
    expect(p.kernelMicroseconds).toBeCloseTo(132_000, 6);
    expect(p.rows[0].bound).toBe('compute');
    expect(p.dispatchMicroseconds).toBeCloseTo(3.7 / 50, 12);
    expect(p.submitMicroseconds).toBeCloseTo(33 / 50, 12);
    expect(p.iterationsPerSecond).toBeCloseTo(1e6 / (132_000 + (3.7 + 33) / 50), 6);
    expect(() => predictPersistent([], peaks, { ...ref, computeUnits: undefined }, 1)).toThrow(/no computeUnits/);
  });

  it("predicts the large world's configs with the model critic, each small enough to record on a 128 MiB binding", () => {
    const large = loadScenario(DEFAULT_WORLD_SCENARIO);
    const configs = worldConfigs();
    expect(configs.map((c) => [c.config.envs, c.config.batch])).toEqual([[1024, 1024], [4096, 4096]]);
    for (const { name, config } of configs) {
      expect(name).toContain('model critic');
      expect(config.critic).toBe('model');
      expect(config.gamma).toBe(0);
      const shape = laraShapeOf(large);
      expect(config.replayCapacity * shape.replayStride * 4).toBeLessThanOrEqual(128 * 2 ** 20);
    }
  });

  it("records a world iteration with the model critic: the model gradient's dispatch at its declared cost, no critic network", async () => {
    const gpu = await testGpu();
    // 6 users on 2 servers, association by the policy: the best responses move each user to the other server.
    const scenario = parseScenario({ servers: [{}, { position: [100, 0] }], users: { comp: { count: 2, distance: [30, 90] },
      aigc: { count: 2, positions: [[0, 5], [90, 0]] }, ve: { count: 2, activity: 0.5 } }, association: 'policy' }, 'tiny.json');
    const batch = 64;
    const config = parseTrainConfig({ envs: batch, batch, hidden: [16], updatesPerIteration: 1, iterationsPerSubmit: 1, gamma: 0, critic: 'model', replayCapacity: batch });
    const { dispatches } = await recordIteration(gpu, scenario, config);
    const p = predict(dispatches, peaksAt(ref, batch), ref, 10);
    const model = p.rows.filter((r) => r.kernel === 'lara_world_model_gradient');
    expect(model).toHaveLength(1);
    expect(model[0].dispatches).toBe(1);
    // Declared per row: (16 + 2 K) x 80 K FLOPs, K = 6 users (the best responses touch two servers' members); reads z
    // and obs, writes dz.
    expect(model[0].flops).toBe(batch * (16 + 2 * 6) * 80 * 6);
    const shape = laraShapeOf(scenario);
    expect(model[0].bytes).toBe(batch * 4 * (2 * shape.action + shape.observation));
    expect(p.rows.some((r) => r.kernel === 'lara_critic_loss' || r.op.startsWith('critic'))).toBe(false);
    // Every dispatch but the chunk's metrics has a cost for the roofline.
    for (const r of p.rows) if (r.kernel !== 'lara_metrics') expect(r.flops + r.bytes, `${r.kernel} ${r.op}`).toBeGreaterThan(0);
    expect(p.dispatches).toBe(dispatches.length);
    expect(p.iterationsPerSecond).toBeGreaterThan(0);
    expect(Number.isFinite(p.iterationsPerSecond)).toBe(true);
  }, 120_000);

  it('records an iteration of 2 updates on the fused path in 7 dispatches: the act with the forward, and the pairs', async () => {
    const gpu = await testGpu();
    const config = parseTrainConfig({ envs: 32, batch: 32, hidden: [16], updatesPerIteration: 2, iterationsPerSubmit: 1, gamma: 0, replayCapacity: 64 });
    const { dispatches: layers, plans } = await recordIteration(gpu, DEFAULT_SCENARIO, config);
    expect(layers.some((d) => d.pipeline.kernel === 'lara_act')).toBe(true);
    const { dispatches } = await recordIteration(gpu, DEFAULT_SCENARIO, config, { ...plans, fused: { rows: 4, rowsPerWorkgroup: 8, cols: 4, act: true } });
    expect(dispatches.map((d) => d.pipeline.kernel)).toEqual([
      'lara_act_forward', 'lara_critic_update_fused', 'adam', 'lara_update_pair_fused', 'adam_pair', 'lara_actor_update_fused', 'adam',
    ]);
    // The pair runs both networks' workgroups: 4 each at 32 rows of 8 per workgroup.
    expect(dispatches[3].grid[0]).toBe(8);
  }, 300_000);

  it('prices half weights at 2 bytes a streamed weight, and their copies once per submit', async () => {
    const gpu = await testGpu();
    const config = parseTrainConfig({ envs: 1, batch: 32, hidden: [16], updatesPerIteration: 1, iterationsPerSubmit: 1, gamma: 0, replayCapacity: 64 });
    const { plans } = await recordIteration(gpu, DEFAULT_SCENARIO, config);
    const wpass: FusedVariant = { rows: 4, rowsPerWorkgroup: 8, weightPass: true, act: true };
    const [f32, half] = [await recordIteration(gpu, DEFAULT_SCENARIO, config, { ...plans, fused: wpass }),
      await recordIteration(gpu, DEFAULT_SCENARIO, config, { ...plans, fused: { ...wpass, halfWeights: true } })];
    expect(f32.submitStart).toEqual([]);
    expect(half.submitStart.map((d) => d.op)).toEqual(['actor.toHalf', 'critic.toHalf']);
    expect(half.dispatches.map((d) => d.pipeline.kernel)).toEqual(f32.dispatches.map((d) => d.pipeline.kernel));
    // 8 blocks of 4 rows each stream the critic's 257 parameters (14 x 16 + 16 + 16 + 1) twice, forward and backward:
    // 4 bytes a weight in f32, 2 in f16; the streams of 7 of the 8 blocks are re-reads.
    const critic = (r: typeof f32) => r.dispatches.find((d) => d.op === 'lara.criticUpdateFused')!.cost!;
    expect(critic(f32).bytes - critic(half).bytes).toBe((4 - 2) * 2 * 8 * 257);
    expect([critic(f32).rereadBytes, critic(half).rereadBytes]).toEqual([4 * 2 * 7 * 257, 2 * 2 * 7 * 257]);
    // The copies: one dispatch per network at the start of each submit (here 1 iteration), priced into the submit share.
    const peaks = peaksAt(ref, 32);
    const p = predict(half.dispatches, peaks, ref, 1, half.submitStart);
    expect(p.submitMicroseconds).toBeGreaterThan(predict(half.dispatches, peaks, ref, 1).submitMicroseconds + 2 * 3.7 - 1e-9);
  }, 300_000);
});
