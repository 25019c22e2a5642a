// Reads our bench JSON, the peers' printed lines and the reference device figures, and prints the ratios as Markdown.
//
// Usage: node dist/bench/compare.js BENCH.json [JAX.txt] [TORCH.txt] [--reference FILE]
// A peer figure measured in this call (JAX.txt, TORCH.txt) wins; where there is none, the reference figure of
// bench/reference/h200-2026-11-28.json (the default --reference) is used and marked "ref".
import { existsSync, readFileSync } from 'node:fs';
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

function main(argv: string[]): void {
  const at = argv.indexOf('--reference');
  const referencePath = at >= 0 ? argv[at + 1] : DEFAULT_REFERENCE;
  const [benchPath, jaxPath, torchPath] = at < 0 ? argv : [...argv.slice(0, at), ...argv.slice(at + 2)];
  const reference = loadReferenceFigures(referencePath);
  const bench = JSON.parse(readFileSync(benchPath, 'utf8')) as { rows: BenchRow[] };
  const read = (p?: string) => (p && existsSync(p) ? readFileSync(p, 'utf8') : '');
  const jax = parsePeerOutput(read(jaxPath), 'JAX');
  const torch = parsePeerOutput(read(torchPath), 'PyTorch');
  const d = reference.dispatch;
  console.log(`Reference (ref): ${reference.device}, ${reference.date} (${referencePath}): copy ${(reference.copyBytesPerSecond / 1e12).toFixed(1)} TB/s, ` +
    `fp32 matmul ${reference.matmul.rows.map((r) => `${r.tflops} TFLOP/s at ${r.m}x${r.k}x${r.n}`).join(', ')}; ` +
    `${d.microsecondsPerDispatchInOnePass} us per dispatch in one pass, ${d.microsecondsPerDispatchWithAPassEach} us with a pass each, ` +
    `${d.microsecondsPerSubmitRoundTrip} us per submit round trip.\n`);
  console.log('| envs | batch | megc it/s | JAX it/s | megc/JAX | PyTorch it/s | megc/PyTorch |');
  console.log('|---|---|---|---|---|---|---|');
  for (const row of bench.rows.filter((r) => r.section === 'train' && r.device === 'gpu' && r.unit === 'iterations/s')) {
    const envs = Number(row.params.envs), batch = Number(row.params.batch);
    const j = peerRate(jax.training, reference, 'JAX', envs, batch);
    const p = peerRate(torch.training, reference, 'PyTorch', envs, batch);
    const ours = row.value.median;
    console.log(`| ${envs} | ${batch} | ${ours.toFixed(0)} | ${cell(j)} | ${ratio(ours, j, 2)} | ${cell(p)} | ${ratio(ours, p, 1)} |`);
  }
  console.log('\n| envs | megc env-steps/s | PyTorch env-steps/s | ratio |');
  console.log('|---|---|---|---|');
  for (const row of bench.rows.filter((r) => r.section === 'env' && r.device === 'gpu')) {
    const n = Number(row.params.n);
    const measured = torch.envSteps.get(n);
    const ref = reference.peers.envSteps.find((e) => e.program === 'PyTorch' && e.n === n);
    const p = measured ?? ref?.envStepsPerSecond;
    const shown = p === undefined ? '-' : `${p.toExponential(2)}${measured === undefined ? ' (ref)' : ''}`;
    console.log(`| ${n} | ${row.value.median.toExponential(2)} | ${shown} | ${p ? (row.value.median / p).toFixed(1) : '-'} |`);
  }
}

if (process.argv[1]?.endsWith('compare.js')) main(process.argv.slice(2));
