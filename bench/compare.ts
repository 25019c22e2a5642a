// Reads our bench JSON and the peers' printed lines, and prints the ratios as a Markdown table.
import { existsSync, readFileSync } from 'node:fs';

interface PeerFigure { program: string; envs: number; batch: number; iterationsPerSecond: number }

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

interface BenchRow { section: string; name: string; device: string; params: Record<string, number | string>; unit: string; value: { median: number } }

function main(): void {
  const [benchPath, jaxPath, torchPath] = process.argv.slice(2);
  const bench = JSON.parse(readFileSync(benchPath, 'utf8')) as { rows: BenchRow[] };
  const read = (p?: string) => (p && existsSync(p) ? readFileSync(p, 'utf8') : '');
  const jax = parsePeerOutput(read(jaxPath), 'JAX');
  const torch = parsePeerOutput(read(torchPath), 'PyTorch');
  console.log('| envs | batch | megc it/s | JAX it/s | megc/JAX | PyTorch it/s | megc/PyTorch |');
  console.log('|---|---|---|---|---|---|---|');
  for (const row of bench.rows.filter((r) => r.section === 'train' && r.device === 'gpu' && r.unit === 'iterations/s')) {
    const envs = Number(row.params.envs), batch = Number(row.params.batch);
    const j = jax.training.find((f) => f.envs === envs && f.batch === batch);
    const p = torch.training.find((f) => f.envs === envs && f.batch === batch);
    const ours = row.value.median;
    console.log(`| ${envs} | ${batch} | ${ours.toFixed(0)} | ${j?.iterationsPerSecond ?? '-'} | ${j ? (ours / j.iterationsPerSecond).toFixed(2) : '-'} | ` +
      `${p?.iterationsPerSecond ?? '-'} | ${p ? (ours / p.iterationsPerSecond).toFixed(1) : '-'} |`);
  }
  console.log('\n| envs | megc env-steps/s | PyTorch env-steps/s | ratio |');
  console.log('|---|---|---|---|');
  for (const row of bench.rows.filter((r) => r.section === 'env' && r.device === 'gpu')) {
    const n = Number(row.params.n);
    const p = torch.envSteps.get(n);
    console.log(`| ${n} | ${row.value.median.toExponential(2)} | ${p?.toExponential(2) ?? '-'} | ${p ? (row.value.median / p).toFixed(1) : '-'} |`);
  }
}

if (process.argv[1]?.endsWith('compare.js')) main();
