// Sizes, offsets and CSV column names of the generalised world's state and action rows (MODEL.md "State", "Action").
import type { World } from './world.js';

export interface WorldLayout {
  /** M, K_comp, K_aigc, K_ve, K = K_comp + K_aigc + K_ve, G = max(K_comp, K_aigc, K_ve). */
  servers: number; comp: number; aigc: number; ve: number; users: number; triples: number;
  /** Offsets into a state row; `active` and `server` are null when the row has no such group. */
  state: { size: number; hOffComp: number; hBackAigc: number; hOffVe: number; hBackVe: number; data: number; active: number | null; server: number | null };
  /** Offsets into an action row; `server` is null unless the policy associates and M > 1. */
  action: { size: number; up: number; down: number; power: number; lambda: number; compute: number; server: number | null };
  stateColumns: string[]; actionColumns: string[];
}

/** Index of a user in data order (comp, ve, aigc): comp i -> i, ve i -> K_comp + i, aigc i -> K_comp + K_ve + i. */
export function dataIndex(layout: WorldLayout, type: 'comp' | 'aigc' | 've', i: number): number {
  return type === 'comp' ? i : type === 've' ? layout.comp + i : layout.comp + layout.ve + i;
}

/** The world's layout: state (gains user-major, servers inner: entry i * M + m; data; active; server) and action. */
export function worldLayout(world: World): WorldLayout {
  const M = world.servers.length;
  const comp = world.users.comp.count, aigc = world.users.aigc.count, ve = world.users.ve.count;
  const users = comp + aigc + ve;
  const hOffComp = 0, hBackAigc = comp * M, hOffVe = hBackAigc + aigc * M, hBackVe = hOffVe + ve * M, data = hBackVe + ve * M;
  let next = data + users;
  const hasActive = world.users.comp.activity < 1 || world.users.aigc.activity < 1 || world.users.ve.activity < 1;
  const active = hasActive ? next : null;
  if (hasActive) next += users;
  const server = world.association === 'nearest' && M > 1 ? next : null;
  if (server !== null) next += users;
  const up = 0, down = comp + ve, power = down + aigc + ve, lambda = power + aigc + ve, compute = lambda + comp;
  const actionServer = world.association === 'policy' && M > 1 ? compute + users : null;

  const names = (prefix: string, type: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${type}${i + 1}`);
  const gains = (prefix: string, type: string, n: number) => names('', type, n).flatMap((u) => Array.from({ length: M }, (_, m) => `${prefix}_${u}_es${m + 1}`));
  const dataOrder = (prefix: string) => [...names(prefix, 'comp', comp), ...names(prefix, 've', ve), ...names(prefix, 'aigc', aigc)];
  const stateColumns = [
    ...gains('h_off', 'comp', comp), ...gains('h_back', 'aigc', aigc), ...gains('h_off', 've', ve), ...gains('h_back', 've', ve),
    ...dataOrder('d_'), ...(hasActive ? dataOrder('active_') : []), ...(server !== null ? dataOrder('server_') : []),
  ];
  const actionColumns = [
    ...names('up_', 'comp', comp), ...names('up_', 've', ve),
    ...names('down_', 'aigc', aigc), ...names('down_', 've', ve),
    ...names('power_', 'aigc', aigc), ...names('power_', 've', ve),
    ...names('lambda_', 'comp', comp),
    ...names('compute_', 'comp', comp), ...names('compute_', 'aigc', aigc), ...names('compute_', 've', ve),
    ...(actionServer !== null ? dataOrder('server_') : []),
  ];
  return {
    servers: M, comp, aigc, ve, users, triples: Math.max(comp, aigc, ve),
    state: { size: next, hOffComp, hBackAigc, hOffVe, hBackVe, data, active, server },
    action: { size: actionServer !== null ? actionServer + users : compute + users, up, down, power, lambda, compute, server: actionServer },
    stateColumns, actionColumns,
  };
}

/**
 * Defines of the world's WGSL (shaders/lib/world.wgsl): its sizes and offsets come from here. An absent group
 * (`active`, `server`) has HAS_* false and offset 0.
 */
export function worldDefines(layout: WorldLayout): Record<string, number | boolean> {
  const { state: s, action: a } = layout;
  return {
    WORLD_SERVERS: layout.servers, WORLD_COMP: layout.comp, WORLD_AIGC: layout.aigc, WORLD_VE: layout.ve,
    WORLD_USERS: layout.users, WORLD_TRIPLES: layout.triples,
    WORLD_STATE_SIZE: s.size, WORLD_S_H_OFF_COMP: s.hOffComp, WORLD_S_H_BACK_AIGC: s.hBackAigc, WORLD_S_H_OFF_VE: s.hOffVe,
    WORLD_S_H_BACK_VE: s.hBackVe, WORLD_S_DATA: s.data,
    WORLD_HAS_ACTIVE: s.active !== null, WORLD_S_ACTIVE: s.active ?? 0,
    WORLD_HAS_STATE_SERVER: s.server !== null, WORLD_S_SERVER: s.server ?? 0,
    WORLD_ACTION_SIZE: a.size, WORLD_A_UP: a.up, WORLD_A_DOWN: a.down, WORLD_A_POWER: a.power, WORLD_A_LAMBDA: a.lambda,
    WORLD_A_COMPUTE: a.compute, WORLD_HAS_ACTION_SERVER: a.server !== null, WORLD_A_SERVER: a.server ?? 0,
  };
}
