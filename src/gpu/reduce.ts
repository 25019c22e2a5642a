// Defines and features of shaders/lib/workgroup_reduce.wgsl: how many f32 a kernel sums over its workgroup, and whether
// the sum goes through subgroupAdd (a variant for adapters with the `subgroups` feature; the default is a fixed tree).
import type { ShaderDefines } from './shaders.js';

export interface ReduceVariant {
  /** Sum within subgroups first (needs the `subgroups` feature; changes the order of additions). */
  subgroups: boolean;
}

export const TREE_REDUCE: ReduceVariant = { subgroups: false };

export function reduceDefines(width: number, v: ReduceVariant): ShaderDefines {
  return { REDUCE_WIDTH: width, SUBGROUP_REDUCE: v.subgroups };
}

export function reduceFeatures(v: ReduceVariant): string[] {
  return v.subgroups ? ['subgroups'] : [];
}
