// Reads our bench JSON, the peers' printed lines, a `megc train` run and the reference device figures; prints the ratios
// as Markdown and writes them all as one JSON (bench/results/DEVICE-DATE.json).
//
// Usage: node dist/bench/compare.js --bench BENCH.json [--jax JAX.txt] [--jax-fp32 JAX_FP32.txt] [--torch TORCH.txt]
//        [--train RUN_DIR] [--json OUT.json] [--reference FILE]
// A peer figure measured in this call wins; where there is none, the reference figure of
// bench/reference/h200-2026-11-28.json (the default --reference) is used and marked "ref".
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SHADER_DIR } from '../src/gpu/shaders.js';

interface PeerFigure { program: string; envs: number; batch: number; iterationsPerSecond: number }

/** The reference figures' file in the repository. */
export const DEFAULT_REFERENCE = join(dirname(SHADER_DIR), 'bench', 'reference', 'h200-2026-11-28.json');

/** What bench/reference/*.json holds (the fields read here). */
export interface ReferenceFigures {
  date: string;
  device: string;
  copyBytesPerSecond: number;
  matmul: { rows: { m: number; k: number; n: number; tflops: number }[] };
  dispatch: { microsecondsPerDispatchInOnePass: number; microsecondsPerDispatchWithAPassEach: number; microsecondsPerSubmitRoundTrip: number };
  peers: {
    training: { program: string; precision: string; envs: number; batch: number; iterationsPerSecond: number }[];
    envSteps: { program: string; n: number; envStepsPerSecond: number }[];
  };
}

export function loadReferenceFigures(path = DEFAULT_REFERENCE): ReferenceFigures {
  return JSON.parse(readFileSync(path, 'utf8')) as ReferenceFigures;
}

/** Parses lines like "jax DDPG envs=4096 batch=4096 hidden=256: … 4311 iters/s" and "torch env step n=8388608: 2.0e9 env-steps/s". */
export function parsePeerOutput(text: string, program: string): { training: PeerFigure[]; envSteps: Map<number, number> } {
  const training: PeerFigure[] = [];
  const envSteps = new Map<number, number>();
  for (const line of text.split('\n')) {
    const t = /DDPG envs=(\d+) batch=(\d+).*?([\d.]+) iters\/s/.exec(line);
    if (t) training.push({ program, envs: Number(t[1]), batch: Number(t[2]), iterationsPerSecond: Number(t[3]) });
    const e = /env step n=(\d+): ([\d.e+]+) env-steps\/s/.exec(line);
    if (e) envSteps.set(Number(e[1]), Number(e[2]));
  }
  return { training, envSteps };
}

/** A peer's training rate at (envs, batch): measured in this call, else the reference figure (default precision), else null. */
export function peerRate(measured: PeerFigure[], reference: ReferenceFigures, program: string, envs: number, batch: number):
  { value: number; source: 'measured' | 'ref' } | null {
  const m = measured.find((f) => f.envs === envs && f.batch === batch);
  if (m) return { value: m.iterationsPerSecond, source: 'measured' };
  const r = reference.peers.training.find((f) => f.program === program && f.envs === envs && f.batch === batch &&
    (program !== 'JAX' || f.precision === 'tf32'));
  return r ? { value: r.iterationsPerSecond, source: 'ref' } : null;
}

interface BenchRow { section: string; name: string; device: string; params: Record<string, number | string>; unit: string; value: { median: number } }

const cell = (rate: { value: number; source: string } | null) => (rate ? `${rate.value}${rate.source === 'ref' ? ' (ref)' : ''}` : '-');
const ratio = (ours: number, rate: { value: number } | null, digits: number) => (rate ? (ours / rate.value).toFixed(digits) : '-');

/** `--name value` pairs of argv. */
function namedArguments(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < argv.length; i += 2) {
    if (!argv[i].startsWith('--')) throw new Error(`compare: expected --name value pairs, got ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  return out;
}

/** A `megc train` run directory's outcome: training seconds (the last metrics row's wall_s) and the gap to OPT. */
export function trainOutcome(dir: string): { seconds: number; gap: number; total: number; opt: number } | null {
  const metrics = join(dir, 'metrics.csv');
  const evaluation = join(dir, 'evaluation.json');
  if (!existsSync(metrics) || !existsSync(evaluation)) return null;
  const lines = readFileSync(metrics, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const last = lines[lines.length - 1].split(',');
  const e = JSON.parse(readFileSync(evaluation, 'utf8')) as { gap: number; policies: { lara: { total: number }; opt: { total: number } } };
  return { seconds: Number(last[header.indexOf('wall_s')]), gap: e.gap, total: e.policies.lara.total, opt: e.policies.opt.total };
}

function main(argv: string[]): void {
  const a = namedArguments(argv);
  const referencePath = a.reference ?? DEFAULT_REFERENCE;
  const reference = loadReferenceFigures(referencePath);
  const bench = JSON.parse(readFileSync(a.bench, 'utf8')) as { rows: BenchRow[]; adapter: string | null; date: string; versions: Record<string, string>; tune: unknown; profiles: unknown };
  const read = (p?: string) => (p && existsSync(p) ? readFileSync(p, 'utf8') : '');
  const jax = parsePeerOutput(read(a.jax), 'JAX');
  const jaxFp32 = parsePeerOutput(read(a['jax-fp32']), 'JAX');
  const torch = parsePeerOutput(read(a.torch), 'PyTorch');
  const d = reference.dispatch;
  console.log(`Reference (ref): ${reference.device}, ${reference.date} (${referencePath}): copy ${(reference.copyBytesPerSecond / 1e12).toFixed(1)} TB/s, ` +
    `fp32 matmul ${reference.matmul.rows.map((r) => `${r.tflops} TFLOP/s at ${r.m}x${r.k}x${r.n}`).join(', ')}; ` +
    `${d.microsecondsPerDispatchInOnePass} us per dispatch in one pass, ${d.microsecondsPerDispatchWithAPassEach} us with a pass each, ` +
    `${d.microsecondsPerSubmitRoundTrip} us per submit round trip.\n`);
  console.log('| envs | batch | megc it/s | JAX TF32 it/s | megc/JAX TF32 | JAX fp32 it/s | megc/JAX fp32 | PyTorch it/s | megc/PyTorch |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const training: Record<string, unknown>[] = [];
  for (const row of bench.rows.filter((r) => r.section === 'train' && r.device === 'gpu' && r.unit === 'iterations/s')) {
    const envs = Number(row.params.envs), batch = Number(row.params.batch);
    const ours = row.value.median;
    if (String(row.name).includes('default')) { console.log(`| default config (${envs}, ${batch}) | | ${ours.toFixed(0)} | | | | | | |`); training.push({ config: 'default', envs, batch, megc: row.value }); continue; }
    const j = peerRate(jax.training, reference, 'JAX', envs, batch);
    const jf = jaxFp32.training.find((f) => f.envs === envs && f.batch === batch) ?? null;
    const jfRate = jf ? { value: jf.iterationsPerSecond, source: 'measured' } : null;
    const p = peerRate(torch.training, reference, 'PyTorch', envs, batch);
    console.log(`| ${envs} | ${batch} | ${ours.toFixed(0)} | ${cell(j)} | ${ratio(ours, j, 2)} | ${cell(jfRate)} | ${ratio(ours, jfRate, 2)} | ${cell(p)} | ${ratio(ours, p, 1)} |`);
    training.push({ envs, batch, megc: row.value, jaxTf32: j, jaxFp32: jfRate, pytorch: p,
      ratioJaxTf32: j ? ours / j.value : null, ratioJaxFp32: jfRate ? ours / jfRate.value : null, ratioPytorch: p ? ours / p.value : null });
  }
  console.log('\n| envs | megc env-steps/s | PyTorch env-steps/s | ratio |');
  console.log('|---|---|---|---|');
  const env: Record<string, unknown>[] = [];
  for (const row of bench.rows.filter((r) => r.section === 'env' && r.device === 'gpu')) {
    const n = Number(row.params.n);
    const measured = torch.envSteps.get(n);
    const ref = reference.peers.envSteps.find((e) => e.program === 'PyTorch' && e.n === n);
    const p = measured ?? ref?.envStepsPerSecond;
    const shown = p === undefined ? '-' : `${p.toExponential(2)}${measured === undefined ? ' (ref)' : ''}`;
    console.log(`| ${row.name} ${n} | ${row.value.median.toExponential(2)} | ${shown} | ${p ? (row.value.median / p).toFixed(1) : '-'} |`);
    env.push({ name: row.name, n, megc: row.value, pytorch: p ?? null });
  }
  const train = a.train ? trainOutcome(a.train) : null;
  if (train) {
    console.log(`\nmegc train (default config): ${train.seconds.toFixed(1)} s of training, gap to OPT ${(100 * train.gap).toFixed(2)}% ` +
      `(LARA ${train.total.toFixed(4)} s, OPT ${train.opt.toFixed(4)} s)${train.gap <= 0.01 ? '' : ': not within 1%'}`);
  }
  if (a.json) {
    const out = { date: bench.date, adapter: bench.adapter, versions: bench.versions, reference: referencePath, tune: bench.tune,
      rows: bench.rows, profiles: bench.profiles, training, env, train };
    writeFileSync(a.json, JSON.stringify(out, null, 1) + '\n');
  }
}

if (process.argv[1]?.endsWith('compare.js')) main(process.argv.slice(2));
