// The resolved generalised world (docs/MODEL.md "Many users, several edge servers"): servers, user groups, association.
//
// Refinements of the shared interface, documented in MODEL.md:
// - `worldOf` reads the scenario's `servers`, `users`, `association`; a scenario without them (or with a world of the
//   letter's shape, which parseScenario folds into the letter's keys) is the letter's world.
// - MIN_DISTANCE applies to distances computed from positions (positions, area); a fixed distance or a drawn interval
//   is > 0 by validation and used as given, so that the letter's distances stay exactly the letter's.
// - FRA, where the policy associates, takes the server of the largest channel gain (the state has no positions).
// - `requireLetter` refuses a world in the commands that compute the letter's world only, in one line.
// - Added beside the shared names: `layoutOf(world)` (the cached layout), `isActive`, `worldActionProblem`,
//   `WorldLatencySums` in reference.ts; `worldDefines(layout)` in layout.ts (the WGSL's sizes and offsets);
//   `registerWorldPolicy` / `evaluateWorldPolicy` in evaluate.ts, through which more policies reach `megc eval`.
import { UserError } from '../errors.js';
import type { Scenario } from '../scenario.js';

export interface Server { position: [number, number]; bandwidth: { off: number; back: number }; power: number; fEs: number }
export type Placement =
  | { kind: 'distance'; distance: number }                    // fixed distance to every server
  | { kind: 'distanceRange'; low: number; high: number }       // drawn per user per slot
  | { kind: 'positions'; positions: [number, number][] }       // fixed
  | { kind: 'area'; x: [number, number]; y: [number, number] }; // drawn per user per slot (mobility)
export interface UserGroup { count: number; placement: Placement; activity: number }
export type ServiceType = 'comp' | 'aigc' | 've';
export const SERVICE_TYPES: readonly ServiceType[] = ['comp', 'aigc', 've'];
/** Data order of the user types: comp, ve, aigc (the letter's order of the data sizes). */
export const DATA_ORDER: readonly ServiceType[] = ['comp', 've', 'aigc'];

export interface World {
  /** The letter's keys (channel, data, cyclesPerBit, fLocal, xi, zeta, psi, power.comp/ve, ...). */
  scenario: Scenario;
  /** M >= 1 servers. */
  servers: Server[];
  users: Record<ServiceType, UserGroup>;
  association: 'nearest' | 'policy';
}

/** Metres: a distance computed from positions below this counts as this (a user drawn on top of a server). */
export const MIN_DISTANCE = 1;

function placementOf(keys: NonNullable<Scenario['users']>[ServiceType]): Placement {
  if (keys.positions) return { kind: 'positions', positions: keys.positions.map((p) => [p[0], p[1]]) };
  if (keys.area) return { kind: 'area', x: [keys.area.x[0], keys.area.x[1]], y: [keys.area.y[0], keys.area.y[1]] };
  if (Array.isArray(keys.distance)) return { kind: 'distanceRange', low: keys.distance[0], high: keys.distance[1] };
  return { kind: 'distance', distance: keys.distance as number };
}

/** The world a scenario describes; the letter's (one server at the origin, one user of each type) without world keys. */
export function worldOf(scenario: Scenario): World {
  const servers: Server[] = scenario.servers?.map((s) => ({ position: [s.position[0], s.position[1]], bandwidth: { ...s.bandwidth }, power: s.power, fEs: s.fEs }))
    ?? [{ position: [0, 0], bandwidth: { ...scenario.bandwidth }, power: scenario.power.es, fEs: scenario.fEs }];
  const group = (type: ServiceType): UserGroup => {
    const keys = scenario.users?.[type];
    return keys ? { count: keys.count, placement: placementOf(keys), activity: keys.activity }
      : { count: 1, placement: { kind: 'distance', distance: scenario.distance[type] }, activity: 1 };
  };
  return { scenario, servers, users: { comp: group('comp'), aigc: group('aigc'), ve: group('ve') }, association: scenario.association ?? 'nearest' };
}

/** The letter's shape: one server, one user of each type, always active, at a fixed distance. */
export function isLetter(world: World): boolean {
  return world.servers.length === 1
    && SERVICE_TYPES.every((t) => world.users[t].count === 1 && world.users[t].activity === 1 && world.users[t].placement.kind === 'distance');
}

/** Users in all, K = K_comp + K_aigc + K_ve. */
export function userCount(world: World): number {
  return world.users.comp.count + world.users.aigc.count + world.users.ve.count;
}

/** One line for a world: `12 users on 3 servers`. */
export function describeWorld(world: World): string {
  const k = userCount(world), m = world.servers.length;
  return `${k} user${k === 1 ? '' : 's'} on ${m} server${m === 1 ? '' : 's'}`;
}

/**
 * A world in one line with how users pick a server and how often they are active:
 * `12 users on 3 servers, each user served by its nearest`, `96 users on 8 servers, the policy picks each user's
 * server, each user active in a slot with probability 0.8`.
 */
export function worldSummary(world: World): string {
  const parts = [describeWorld(world)];
  if (world.servers.length > 1) parts.push(world.association === 'policy' ? 'the policy picks each user\'s server' : 'each user served by its nearest');
  const activity = new Set(SERVICE_TYPES.map((t) => world.users[t].activity));
  if (activity.size === 1 && !activity.has(1)) parts.push(`each user active in a slot with probability ${[...activity][0]}`);
  return parts.join(', ');
}

/**
 * Refuses a scenario that is not the letter's world in a command that computes the letter's world only:
 * `scenarios/multi-users.json: 12 users on 1 server: megc latency handles the letter's one server and three users only`.
 */
export function requireLetter(scenario: Scenario, source: string, command: string): void {
  const world = worldOf(scenario);
  if (isLetter(world)) return;
  throw new UserError(`${source}: ${describeWorld(world)}: ${command} handles the letter's one server and three users only`);
}
