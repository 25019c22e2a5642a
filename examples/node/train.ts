// Trains LARA on a scenario file, saves its checkpoint, reads it back, acts, and evaluates it against FRA, RRA and OPT.
// Usage: node train.js [ITERATIONS] [SLOTS] [SCENARIO.json]   (defaults: the recipe's 1200 iterations, 65,536 slots)
import { readFile, writeFile } from 'node:fs/promises';
import {
  act, DEFAULT_SCENARIO, evaluateLara, loadPolicy, loadScenarioFile, openDevice, sampleStates, trainLara, UserError,
} from 'megc-webgpu';

const [iterations = 1200, slots = 65536] = process.argv.slice(2, 4).map(Number);
const scenario = process.argv[4] ? loadScenarioFile(process.argv[4]) : DEFAULT_SCENARIO;
const small = iterations < 100;  // a quick try: small networks and batches

const device = await openDevice();  // or a GPUDevice your application already has
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());  // Ctrl-C: stop at the next chunk, keep what was learnt
try {
  const result = await trainLara(scenario, {
    device,
    signal: stop.signal,
    config: small ? { iterations, envs: 16, batch: 16, hidden: [16], replayCapacity: 256, iterationsPerSubmit: 5 } : { iterations },
    onProgress: ({ iteration, total, rows }) => console.log(`iteration ${iteration}/${total}: L_total ${rows[rows.length - 1].lTotal.toFixed(4)} s`),
  });
  await writeFile('checkpoint.safetensors', result.checkpoint());

  const policy = loadPolicy(await readFile('checkpoint.safetensors'), 'checkpoint.safetensors');
  const states = sampleStates(scenario, 2);
  console.log('actions of the first two states:', Array.from(act(policy, states), (x) => x.toFixed(3)).join(' '));

  const e = await evaluateLara(policy, { slots, device });
  for (const name of ['lara', 'fra', 'rra', 'opt'] as const) console.log(`${name.toUpperCase()} L_total ${e[name].total.toFixed(6)} s`);
  console.log(`LARA's gap to OPT: ${(e.gap * 100).toFixed(2)}% on ${e.slots} slots after ${result.iterations} iterations`);
} catch (error) {
  if (!(error instanceof UserError)) throw error;
  console.error(error.message);  // one line: bad input, a limit (LimitError)
  process.exitCode = 2;
} finally {
  device.destroy();
}
