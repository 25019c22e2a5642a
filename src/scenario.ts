// The MEGC scenario (docs/MODEL.md "Scenario file", "Many users, several edge servers"): defaults, zod validation, and
// loading from JSON.
import { z } from 'zod';
import { UserError } from './errors.js';
import { parseJson } from './json.js';
import { readTextFile } from './platform/host.js';
import type { Server, ServiceType } from './world/world.js';

/** A group of users of one service as the scenario file gives it, resolved: exactly one of distance, positions, area. */
export interface UserGroupKeys {
  count: number;
  /** A fixed distance (m) to every server, or an interval drawn per user each slot. */
  distance?: number | [number, number];
  /** One fixed [x, y] (m) per user. */
  positions?: [number, number][];
  /** Positions drawn uniformly in the rectangle each slot (mobility). */
  area?: { x: [number, number]; y: [number, number] };
  activity: number;
}

/** A fully resolved scenario, SI units (metres, watts, hertz, bits, cycles, seconds). */
export interface Scenario {
  distance: { comp: number; aigc: number; ve: number };
  power: { comp: number; ve: number; es: number };
  bandwidth: { off: number; back: number };
  noiseDbmPerHz: number;
  /** Derived: noise power spectral density N0 in W/Hz, 10^((noiseDbmPerHz - 30) / 10). */
  noiseWattsPerHz: number;
  channel: { g0: number; pathLossExponent: number; ricianK: number };
  /** Uniform intervals [low, high] of the task sizes, bits. */
  data: { comp: [number, number]; ve: [number, number]; aigc: [number, number] };
  cyclesPerBit: number;
  fLocal: number;
  fEs: number;
  xi: number;
  zeta: number;
  psi: number;
  genUnitCycles: number;
  slotsPerEpisode: number;
  rraFloor: number;
  /**
   * The generalised world's keys, present only when the file gives one of them and the world they describe is not the
   * letter's (one server, one always-active user of each type at a fixed distance): such a file is folded into the
   * letter's keys above. Resolved: every server member and user group filled in.
   */
  servers?: Server[];
  users?: Record<ServiceType, UserGroupKeys>;
  association?: 'nearest' | 'policy';
}

const finite = z.number({ error: (i) => `must be a number (got ${describe(i.input)})` });
const positive = finite.gt(0, { error: (i) => `must be > 0 (got ${describe(i.input)})` });
const nonNegative = finite.min(0, { error: (i) => `must be >= 0 (got ${describe(i.input)})` });
const interval = z
  .tuple([nonNegative, positive], { error: (i) => `must be an interval [low, high] of two numbers (got ${describe(i.input)})` })
  .refine(([low, high]) => low < high, { error: (i) => `must be an interval [low, high] with low < high (got ${describe(i.input)})` });

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return String(value);
  try { return JSON.stringify(value) ?? String(value); } catch { return String(value); }
}

/** The MODEL.md defaults (the letter's values plus the assumptions MODEL.md states). */
const DEFAULTS = {
  distance: { comp: 100, aigc: 120, ve: 80 },
  power: { comp: 15, ve: 15, es: 15 },
  bandwidth: { off: 4e8, back: 4e8 },
  noiseDbmPerHz: -100,
  channel: { g0: 1e-3, pathLossExponent: 2, ricianK: 10 },
  data: { comp: [1e6, 8e6] as [number, number], ve: [1e6, 8e6] as [number, number], aigc: [2e6, 16e6] as [number, number] },
  cyclesPerBit: 100,
  fLocal: 1e9,
  fEs: 1e10,
  xi: 9.97e-14,
  zeta: 5.73,
  psi: 2,
  genUnitCycles: 1e9,
  slotsPerEpisode: 100,
  rraFloor: 0.05,
};

const group = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject(shape, { error: (i) => (i.code === 'invalid_type' ? `must be an object (got ${describe(i.input)})` : undefined) });

/** Limits of the generalised world (MODEL.md "Scenario keys"): servers, users of one type, users in all. */
export const WORLD_LIMITS = { servers: 16, usersPerType: 64, users: 192 } as const;

const point = z.tuple([finite, finite], { error: (i) => `must be a position [x, y] of two numbers, metres (got ${describe(i.input)})` });
const signedInterval = z
  .tuple([finite, finite], { error: (i) => `must be an interval [low, high] of two numbers (got ${describe(i.input)})` })
  .refine(([low, high]) => low < high, { error: (i) => `must be an interval [low, high] with low < high (got ${describe(i.input)})` });
const isDistance = (v: unknown): boolean => (typeof v === 'number' && Number.isFinite(v) && v > 0)
  || (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)) && 0 < v[0] && v[0] < v[1]);
const userGroup = group({
  count: finite
    .refine((v) => Number.isInteger(v) && v >= 0 && v <= WORLD_LIMITS.usersPerType, { error: (i) => `must be an integer in [0, ${WORLD_LIMITS.usersPerType}] (got ${describe(i.input)})` })
    .default(1),
  distance: z.unknown()
    .refine(isDistance, { error: (i) => `must be a distance > 0 (m) or an interval [low, high] with 0 < low < high (got ${describe(i.input)})` })
    .optional() as z.ZodOptional<z.ZodType<number | [number, number]>>,
  positions: z.array(point, { error: (i) => `must be a list of [x, y] positions (got ${describe(i.input)})` }).optional(),
  area: group({ x: signedInterval, y: signedInterval }).optional(),
  activity: finite.refine((v) => v > 0 && v <= 1, { error: (i) => `must be in (0, 1] (got ${describe(i.input)})` }).default(1),
}).superRefine((g, ctx) => {
  const given = (['distance', 'positions', 'area'] as const).filter((k) => g[k] !== undefined);
  if (given.length > 1) ctx.addIssue({ code: 'custom', message: `must give one of distance, positions, area (got ${given.join(', ')})` });
  else if (g.positions && g.positions.length !== g.count) {
    ctx.addIssue({ code: 'custom', path: ['positions'], message: `must list one [x, y] per user, count = ${g.count} (got ${g.positions.length})` });
  }
});
const usersSchema = group({ comp: userGroup.optional(), aigc: userGroup.optional(), ve: userGroup.optional() }).superRefine((u, ctx) => {
  const total = (u.comp?.count ?? 1) + (u.aigc?.count ?? 1) + (u.ve?.count ?? 1);
  if (total < 1 || total > WORLD_LIMITS.users) ctx.addIssue({ code: 'custom', message: `must have between 1 and ${WORLD_LIMITS.users} users in all (got ${total})` });
});
const serverSchema = group({
  position: point.optional(),
  bandwidth: group({ off: positive.optional(), back: positive.optional() }).optional(),
  power: positive.optional(),
  fEs: positive.optional(),
});
const serversSchema = z.array(serverSchema, { error: (i) => `must be a list of servers (got ${describe(i.input)})` })
  .refine((a) => a.length >= 1 && a.length <= WORLD_LIMITS.servers, { error: (i) => `must list 1 to ${WORLD_LIMITS.servers} servers (got ${(i.input as unknown[]).length})` });

const ScenarioSchema = z.strictObject({
  distance: group({ comp: positive.default(DEFAULTS.distance.comp), aigc: positive.default(DEFAULTS.distance.aigc), ve: positive.default(DEFAULTS.distance.ve) }).prefault({}),
  power: group({ comp: positive.default(DEFAULTS.power.comp), ve: positive.default(DEFAULTS.power.ve), es: positive.default(DEFAULTS.power.es) }).prefault({}),
  bandwidth: group({ off: positive.default(DEFAULTS.bandwidth.off), back: positive.default(DEFAULTS.bandwidth.back) }).prefault({}),
  noiseDbmPerHz: finite
    .min(-300, { error: (i) => `must be >= -300 (got ${describe(i.input)})` })
    .max(100, { error: (i) => `must be <= 100 (got ${describe(i.input)})` })
    .default(DEFAULTS.noiseDbmPerHz),
  channel: group({
    g0: positive.default(DEFAULTS.channel.g0),
    pathLossExponent: nonNegative.default(DEFAULTS.channel.pathLossExponent),
    ricianK: nonNegative.default(DEFAULTS.channel.ricianK),
  }).prefault({}),
  data: group({ comp: interval.default(DEFAULTS.data.comp), ve: interval.default(DEFAULTS.data.ve), aigc: interval.default(DEFAULTS.data.aigc) }).prefault({}),
  cyclesPerBit: positive.default(DEFAULTS.cyclesPerBit),
  fLocal: positive.default(DEFAULTS.fLocal),
  fEs: positive.default(DEFAULTS.fEs),
  xi: nonNegative.default(DEFAULTS.xi),
  zeta: nonNegative.default(DEFAULTS.zeta),
  psi: positive.default(DEFAULTS.psi),
  genUnitCycles: positive.default(DEFAULTS.genUnitCycles),
  slotsPerEpisode: finite
    .int({ error: (i) => `must be an integer (got ${describe(i.input)})` })
    .min(1, { error: (i) => `must be >= 1 (got ${describe(i.input)})` })
    .max(2 ** 31, { error: (i) => `must be <= 2147483648 (got ${describe(i.input)})` })
    .default(DEFAULTS.slotsPerEpisode),
  rraFloor: nonNegative.max(1 / 3, { error: (i) => `must be <= 1/3 so three compute shares fit (got ${describe(i.input)})` }).default(DEFAULTS.rraFloor),
  servers: serversSchema.optional(),
  users: usersSchema.optional(),
  association: z.enum(['nearest', 'policy'], { error: (i) => `must be "nearest" or "policy" (got ${describe(i.input)})` }).optional(),
}, { error: (i) => (i.code === 'invalid_type' ? `must be a JSON object (got ${describe(i.input)})` : undefined) });

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A key path as error messages show it: segments joined by dots; an array index as its number; a key that is not an
 * identifier JSON-quoted, so that blank, empty and odd keys stay visible: `data.comp.0`, `distance." "`, `"a.b"`.
 */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  return path.map((segment) => (typeof segment === 'number' ? String(segment)
    : typeof segment === 'symbol' ? String(segment)
    : IDENTIFIER.test(segment) ? segment : JSON.stringify(segment))).join('.');
}

function issueMessage(source: string, issue: z.core.$ZodIssue): string {
  const path = formatKeyPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => formatKeyPath([...issue.path, k]));
    return `${source}: unknown key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`;
  }
  // Interval elements report as data.comp.0; name the interval, whose message already shows the value.
  return `${source}: ${path || '(root)'} ${issue.message}`;
}

/** Validates a scenario object (every key optional); the UserError names the key path and the rule broken. */
export function parseScenario(json: unknown, source: string): Scenario {
  const result = ScenarioSchema.safeParse(json === undefined ? {} : json);
  if (!result.success) throw new UserError(issueMessage(source, result.error.issues[0]));
  const { servers, users, association, ...s } = result.data;
  const scenario: Scenario = {
    ...s,
    distance: { ...s.distance },
    power: { ...s.power },
    bandwidth: { ...s.bandwidth },
    channel: { ...s.channel },
    data: { comp: [...s.data.comp], ve: [...s.data.ve], aigc: [...s.data.aigc] },
    noiseWattsPerHz: Math.pow(10, (s.noiseDbmPerHz - 30) / 10),
  };
  if (servers === undefined && users === undefined && association === undefined) return scenario;
  return resolveWorldKeys(scenario, servers ?? [{}], users ?? {}, association ?? 'nearest');
}

type ServerInput = { position?: [number, number]; bandwidth?: { off?: number; back?: number }; power?: number; fEs?: number };
type GroupInput = Omit<UserGroupKeys, 'distance'> & { distance?: unknown };

/**
 * Fills the world's keys from the letter's (a server's missing member: bandwidth, power.es, fEs; a group's missing
 * placement: distance.<type>). A world of the letter's shape (one server; one user of each type, always active, at a
 * fixed distance) is folded into the letter's keys, so that the letter's code computes it and records it as today.
 */
function resolveWorldKeys(scenario: Scenario, servers: ServerInput[], users: Partial<Record<ServiceType, GroupInput>>, association: 'nearest' | 'policy'): Scenario {
  const resolvedServers: Server[] = servers.map((sv) => ({
    position: [...(sv.position ?? [0, 0])] as [number, number],
    bandwidth: { off: sv.bandwidth?.off ?? scenario.bandwidth.off, back: sv.bandwidth?.back ?? scenario.bandwidth.back },
    power: sv.power ?? scenario.power.es,
    fEs: sv.fEs ?? scenario.fEs,
  }));
  const group = (type: ServiceType): UserGroupKeys => {
    const g = users[type] ?? { count: 1, activity: 1 };
    const placement: Pick<UserGroupKeys, 'distance' | 'positions' | 'area'> =
      g.positions !== undefined ? { positions: g.positions.map((p) => [p[0], p[1]]) }
      : g.area !== undefined ? { area: { x: [g.area.x[0], g.area.x[1]], y: [g.area.y[0], g.area.y[1]] } }
      : Array.isArray(g.distance) ? { distance: [g.distance[0], g.distance[1]] }
      : { distance: (g.distance as number | undefined) ?? scenario.distance[type] };
    return { count: g.count, ...placement, activity: g.activity };
  };
  const resolvedUsers = { comp: group('comp'), aigc: group('aigc'), ve: group('ve') };
  const letterShaped = resolvedServers.length === 1
    && Object.values(resolvedUsers).every((g) => g.count === 1 && g.activity === 1 && typeof g.distance === 'number');
  if (letterShaped) {
    const [server] = resolvedServers;
    return {
      ...scenario,
      distance: { comp: resolvedUsers.comp.distance as number, aigc: resolvedUsers.aigc.distance as number, ve: resolvedUsers.ve.distance as number },
      power: { ...scenario.power, es: server.power },
      bandwidth: { ...server.bandwidth },
      fEs: server.fEs,
    };
  }
  return { ...scenario, servers: resolvedServers, users: resolvedUsers, association };
}

/** The defaults of MODEL.md, also shipped as scenarios/default.json. */
export const DEFAULT_SCENARIO: Scenario = parseScenario({}, 'defaults');

/** Largest scenario file read: a valid one (a few dozen keys) is a few kilobytes however it is formatted. */
export const MAX_SCENARIO_FILE_BYTES = 1 << 20;

/** Reads and validates a scenario JSON file; without a path, the defaults. Missing file or bad JSON -> UserError. */
export function loadScenario(path?: string): Scenario {
  if (path === undefined) return DEFAULT_SCENARIO;
  if (path.trim() === '') throw new UserError('--scenario: the path is empty');
  // A regular file no larger than any valid scenario (a few hundred bytes of keys): a device or fifo is refused at once.
  const text = readTextFile(path, `--scenario ${path}`, MAX_SCENARIO_FILE_BYTES);
  return parseScenarioText(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, path);  // a UTF-8 byte order mark is not JSON
}

/**
 * Reads and validates the text of a scenario file, strict JSON (a key repeated in one object is refused, not last-wins),
 * as `--scenario FILE` is read; a UserError names `source`: `SOURCE: not valid JSON (…)`, or the key and the rule broken.
 */
export function parseScenarioText(text: string, source: string): Scenario {
  let json: unknown;
  try {
    json = parseJson(text);
  } catch (error) {
    throw new UserError(`${source}: not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  return parseScenario(json, source);
}

/** The scenario as a JSON object in the file format (no derived keys), e.g. to record it beside results. */
export function scenarioToJson(s: Scenario): Record<string, unknown> {
  const { noiseWattsPerHz: _derived, ...rest } = s;
  return structuredClone(rest);
}
