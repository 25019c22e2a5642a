// A run's kernel choices as JSON (config.json's `tuning.plans`, the checkpoint's `plans`): the schema every plan read
// from a file must pass, so a forged or hand-edited one is refused in one line instead of failing inside the GPU.
import { z } from 'zod';
import { UserError } from '../errors.js';
import type { TrainerPlans } from './tuning.js';

const count = (max: number) => z.number().int().min(1).max(max);
const tile = z.object({
  threadsX: count(1024), threadsY: count(1024), tileK: count(256),
  rowsPerThread: count(16).optional(), colsPerThread: count(16).optional(), f16: z.boolean().optional(),
}).strict();
const linear = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tiled'), tile }).strict(),
  z.object({ kind: z.literal('register'), rows: count(64), cols: count(64), lanesOverRows: z.boolean(), workgroup: count(1024) }).strict(),
  z.object({
    kind: z.literal('matrix'), m: count(64), n: count(64), k: count(64), fragRows: count(16), fragCols: count(16),
    subgroupRows: count(16), subgroupCols: count(16), tileK: count(256), subgroupSize: count(1024), emulated: z.boolean().optional(),
  }).strict(),
]);
const chain = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fused'), rows: count(64), stageK: z.number().int().min(0).max(256).optional() }).strict(),
  z.object({ kind: z.literal('layers'), layers: z.array(linear).min(1).max(64), head: tile.optional() }).strict(),
]);
const mlpPlan = z.object({
  batch: count(2 ** 31),
  forward: chain,
  backwardInput: chain.optional(),
  backwardWeight: z.object({ splits: count(4096), rowsPerSplit: count(2 ** 31), layers: z.array(linear).min(1).max(64) }).strict().optional(),
}).strict();
export const TrainerPlansSchema = z.object({
  actor: z.array(mlpPlan).min(1).max(2),
  critic: z.array(mlpPlan).min(1).max(1),
  reduce: z.object({ subgroups: z.boolean() }).strict(),
  fused: z.object({ rows: count(256), rowsPerWorkgroup: count(2 ** 31) }).strict().optional(),
}).strict();

/** Plans from JSON (a config.json's or a checkpoint's), checked; a UserError names the field. */
export function parseTrainerPlans(input: unknown, source: string): TrainerPlans {
  const result = TrainerPlansSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new UserError(`${source}: kernel plans: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return result.data as TrainerPlans;
}

/** What config.json records of the kernel choices: how they were chosen, on which adapter, and the plans themselves. */
export interface TuningRecord {
  mode: string;
  adapter: string;
  mixedPrecision: boolean;
  plans: TrainerPlans;
}
