// Two small generalised worlds the trainer's world tests share: rule association over three servers with inactive
// users, and association by the policy over two servers (every placement kind between them).
import { parseScenario } from '../../src/scenario.js';
import { worldObservationInto, type WorldLaraLayout, type WorldObservationNorm } from '../../src/train/worldFeatures.js';
import { worldOf, type World } from '../../src/world/world.js';

const world = (json: unknown): World => worldOf(parseScenario(json, 'test.json'));

export const TEST_WORLDS: [string, World][] = [
  ['nearest, three servers, activity', world({ servers: [{}, { position: [300, 0] }, { position: [0, 300] }], users: {
    comp: { count: 3, area: { x: [0, 300], y: [0, 300] }, activity: 0.6 }, aigc: { count: 2, area: { x: [0, 300], y: [0, 300] } },
    ve: { count: 2, area: { x: [0, 300], y: [0, 300] }, activity: 0.8 } } })],
  ['policy, two servers', world({ servers: [{}, { position: [100, 0] }], users: { comp: { count: 2, distance: [30, 90] },
    aigc: { count: 2, positions: [[0, 5], [90, 0]] }, ve: { count: 2, activity: 0.5 } }, association: 'policy' })],
];

/** The observations (n, obs.size) of n world states (n, state.size), as the trainer observes them. */
export function worldObservations(wl: WorldLaraLayout, norm: WorldObservationNorm, states: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * wl.obs.size);
  for (let e = 0; e < n; e++) worldObservationInto(wl, norm, states, e * wl.world.state.size, out, e * wl.obs.size);
  return out;
}
