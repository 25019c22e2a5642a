// CPU cost and quality of the world's optimum per shipped scenario: ms of CPU per slot (process.cpuUsage, so other
// load on the machine does not count), how often OPT is exact, mean L_total of OPT and of the baselines, the bound;
// where the policy associates, also the local search of the searched hybrid from the strongest-channel association
// (finishAssociation's search: its mean L_total and ms of CPU per slot).
// Run: npx tsc -p tsconfig.json && node dist/bench/worldOpt.js [slots per scenario, default 16]
import { loadScenario } from '../src/scenario.js';
import { EVAL_SEED, Stream } from '../src/rng/streams.js';
import { associationBaseline, finishAssociation, optWorldAction, type AssociationRule } from '../src/world/opt/index.js';
import { layoutOf } from '../src/world/reference.js';
import { sampleWorldStates } from '../src/world/reference.js';
import { describeWorld, worldOf } from '../src/world/world.js';

const slots = Number(process.argv[2] ?? 16);
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
for (const name of ['multi-users', 'multi-servers', 'association', 'large']) {
  const world = worldOf(loadScenario(`scenarios/${name}.json`));
  const all = sampleWorldStates(world, EVAL_SEED, Stream.evalStates, 0, slots, 0), size = all.length / slots;
  let total = 0, bound = 0, exact = 0, optMs = 0, searched = 0, searchMs = 0;
  const { action: { server }, users } = layoutOf(world);
  const baselines: Partial<Record<AssociationRule, number>> = {};
  for (let i = 0; i < slots; i++) {
    const state = all.subarray(i * size, (i + 1) * size);
    const t = cpuMs();
    const o = optWorldAction(world, state);
    optMs += cpuMs() - t;
    total += o.total; bound += o.lowerBound; exact += o.exact ? 1 : 0;
    let maxSnr: Float64Array | undefined;
    if (world.association === 'policy') {
      for (const rule of ['maxSnr', 'random', 'lagrangian'] as const) {
        const b = associationBaseline(world, state, rule, EVAL_SEED, i, 0);
        baselines[rule] = (baselines[rule] ?? 0) + b.total;
        if (rule === 'maxSnr') maxSnr = b.action;
      }
    }
    if (server !== null && maxSnr) {
      const start = maxSnr.subarray(server, server + users);
      const s = cpuMs();
      searched += finishAssociation(world, state, start, true).total;
      searchMs += cpuMs() - s;
    }
  }
  const f = (x: number) => (x / slots).toFixed(4);
  console.log(`${name} (${describeWorld(world)}, ${slots} slots): OPT ${(optMs / slots).toFixed(1)} ms CPU/slot, exact ${exact}/${slots}, ` +
    `L_total ${f(total)}, bound ${f(bound)} (gap ${((total / bound - 1) * 100).toFixed(3)}%)` +
    Object.entries(baselines).map(([k, v]) => `, ${k} ${f(v!)}`).join('') +
    (server !== null ? `, maxSnr + search ${f(searched)} (${(searchMs / slots).toFixed(0)} ms CPU/slot)` : ''));
}
