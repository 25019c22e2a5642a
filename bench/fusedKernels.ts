// Times the fused update kernels (lara_critic_update_fused, lara_actor_update_fused, or their lane twins) of several variants in one
// process, interleaved (A B A B ...), each a pass of `dispatches` dispatches timed by the wall clock; prints each
// variant's median and best microseconds per dispatch. Compares variants on a shared machine, where only timings taken
// side by side mean anything.
//   node dist/bench/fusedKernels.js [--hidden 128] [--batch 256] [--repeats 7] [--dispatches 20]
import { parseArgs } from 'node:util';
import { createStorage, createStorageFrom } from '../src/gpu/buffers.js';
import { dispatchOf, submitPass, type Dispatch } from '../src/gpu/kernel.js';
import { createGpu } from '../src/gpu/runtime.js';
import { initMlp } from '../src/nn/init.js';
import { mlpLayout } from '../src/nn/layout.js';
import {
  describeFused, fusedKernels, fusedSlices, fusedWorkgroups, type FusedKernelShape, type FusedVariant,
} from '../src/train/fusedUpdate.js';
import { STEP_STRIDE, stepBinding, stepOffset, writeStep, type Step } from '../src/train/laraKernels.js';
import { ACTION_SIZE, CRITIC_INPUT, OBSERVATION_SIZE, REPLAY_STRIDE } from '../src/train/layout.js';

const { values } = parseArgs({ options: {
  hidden: { type: 'string', default: '128' }, batch: { type: 'string', default: '256' },
  repeats: { type: 'string', default: '7' }, dispatches: { type: 'string', default: '20' },
  /** Blocks of rows and workgroups of each variant timed, e.g. 16x2,8x2 (each with register blocks of 1, 2 and 4 columns);
   * lR x T a lane variant of R rows per invocation and T invocations per workgroup, e.g. l4x8. */
  variants: { type: 'string', default: '16x2,8x2,16x8' },
} });
const hidden = values.hidden.split('x').map(Number);
const batch = Number(values.batch);
const repeats = Number(values.repeats);
const count = Number(values.dispatches);
const actorSizes = [OBSERVATION_SIZE, ...hidden, ACTION_SIZE];
const criticSizes = [CRITIC_INPUT, ...hidden, 1];

const gpu = await createGpu();
const { device } = gpu;
const capacity = 4 * batch;
let state = 12345;
const random = () => { state = (state * 1103515245 + 12345) >>> 0; return state / 2 ** 31 - 1; };
const replay = createStorageFrom(device, Float32Array.from({ length: capacity * REPLAY_STRIDE }, random), 'replay');
const actor = createStorageFrom(device, Float32Array.from(initMlp(actorSizes, 1, 0)), 'actor');
const critic = createStorageFrom(device, Float32Array.from(initMlp(criticSizes, 1, 1)), 'critic');

const variants: FusedVariant[] = [];
for (const spec of values.variants.split(',')) {
  const [rows, groups] = spec.replace(/^ls?/, '').split('x').map(Number);
  if (spec.startsWith('l')) { variants.push({ rows, rowsPerWorkgroup: rows * groups, lanes: true, subgroups: spec.startsWith('ls') }); continue; }
  const rowsPerWorkgroup = Math.ceil(Math.ceil(batch / groups) / rows) * rows;
  for (const cols of [1, 2, 4]) variants.push({ rows, rowsPerWorkgroup, cols });
}

interface Timed { name: string; critic: Dispatch; actor: Dispatch; times: { critic: number[]; actor: number[] } }
const timed: Timed[] = [];
for (const v of variants) {
  const shape: FusedKernelShape = { ...v, actor: actorSizes, critic: criticSizes };
  const groups = fusedWorkgroups(batch, v);
  const slices = fusedSlices(batch, v);
  const s: Step = {
    iteration: 3, update: 0, filled: capacity, writeRow: 0, sigma: 0, useActor: true, chunkIteration: 0, chunkUpdate: 0, seed: 1,
    envs: batch, batch, capacity, gamma: 0, shareFloor: 0.01, rewardKind: 'log', actPartials: 1, lossPartials: slices, updates: 1, channelPrior: 0, sharePrior: 0, associationMoves: 0,
  };
  const data = new ArrayBuffer(STEP_STRIDE);
  writeStep(data, 0, s);
  const ring = device.createBuffer({ size: STEP_STRIDE, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(ring, 0, data);
  const step = stepBinding(ring);
  const lossPartials = createStorage(device, slices * 4, 'loss');
  const compiled = performance.now();
  const [cp, ap] = await Promise.all([fusedKernels(v).critic.pipeline(device, shape), fusedKernels(v).actor.pipeline(device, shape)]);
  timed.push({
    name: describeFused(v),
    critic: dispatchOf(device, cp, { step, replay, weights: critic, gradPartials: createStorage(device, slices * mlpLayout(criticSizes).parameterCount * 4, 'cg'), lossPartials }, [groups]),
    actor: dispatchOf(device, ap, { step, replay, actor, critic, gradPartials: createStorage(device, slices * mlpLayout(actorSizes).parameterCount * 4, 'ag'), lossPartials }, [groups]),
    times: { critic: [], actor: [] },
  });
  console.error(`${describeFused(v)}: compiled in ${((performance.now() - compiled) / 1000).toFixed(1)} s`);
}

async function time(d: Dispatch): Promise<number> {
  const start = performance.now();
  submitPass(device, (rec) => { for (let i = 0; i < count; i++) rec.dispatch(d, stepOffset(0)); });
  await device.queue.onSubmittedWorkDone();
  return ((performance.now() - start) * 1000) / count;
}
for (const t of timed) { console.error(`${t.name}: warm-up ${(await time(t.critic)).toFixed(0)} / ${(await time(t.actor)).toFixed(0)} us`); }
for (let r = 0; r < repeats; r++) {
  for (const t of timed) {
    t.times.critic.push(await time(t.critic));
    t.times.actor.push(await time(t.actor));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`hidden ${hidden.join('x')}, batch ${batch}: us per dispatch, median (best) of ${repeats} passes of ${count}, interleaved`);
for (const t of timed) {
  const f = (xs: number[]) => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)})`;
  console.log(`${t.name.padEnd(22)} critic ${f(t.times.critic).padEnd(14)} actor ${f(t.times.actor).padEnd(14)} sum ${(median(t.times.critic) + median(t.times.actor)).toFixed(0)}`);
}
gpu.checkErrors();
process.exit(0);
