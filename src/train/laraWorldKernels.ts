// The LARA trainer's kernels for a generalised world (shaders/lara_world_*.wgsl) declared once: observe, act, actor
// chain forward and backward, the model critic's gradient. Like laraKernels.ts they read the Step ring at binding 0;
// their sizes come from the world's shape (worldLaraDefines), so each world shape compiles its own pipelines.
import { defineKernel } from '../gpu/kernel.js';
import { reduceDefines, reduceFeatures, type ReduceVariant } from '../gpu/reduce.js';
import { ROW_WORKGROUP } from '../env/gpu.js';
import { ACT_METRICS, WORLD_ROW_WORKGROUP } from './layout.js';
import type { LaraShape } from './shape.js';

/** A world kernel's variant: the shape it is compiled for (and the reduction, for those that sum). */
export interface WorldVariant { shape: LaraShape }

export const laraWorldObserveKernel = defineKernel({
  shader: 'lara_world_observe.wgsl',
  bindings: { step: 'dynamic-uniform', scenario: 'uniform', world: 'read', norm: 'read', states: 'read-write', obs: 'read-write' },
  variant: (v: WorldVariant) => ({ constants: { WORKGROUP_SIZE: ROW_WORKGROUP }, defines: { ...v.shape.defines, LW_OBSERVE: true } }),
});

export const laraWorldActKernel = defineKernel({
  shader: 'lara_world_act.wgsl',
  bindings: {
    step: 'dynamic-uniform', scenario: 'uniform', world: 'read', norm: 'read', actorZ: 'read', states: 'read-write', obs: 'read-write',
    replay: 'read-write', actPartials: 'read-write',
  },
  variant: (v: WorldVariant & ReduceVariant) => ({
    constants: { WORKGROUP_SIZE: WORLD_ROW_WORKGROUP }, defines: { ...v.shape.defines, LW_OBSERVE: true, ...reduceDefines(ACT_METRICS, v) },
  }),
  features: reduceFeatures,
});

export const laraWorldActorChainKernel = defineKernel({
  shader: 'lara_world_actor_chain.wgsl',
  bindings: { step: 'dynamic-uniform', z: 'read', obs: 'read', criticInput: 'read-write' },
  variant: (v: WorldVariant) => ({ constants: { WORKGROUP_SIZE: ROW_WORKGROUP }, defines: v.shape.defines }),
});

export const laraWorldActorChainBackwardKernel = defineKernel({
  shader: 'lara_world_actor_chain_backward.wgsl',
  bindings: { step: 'dynamic-uniform', z: 'read', obs: 'read', dCriticInput: 'read', q: 'read', dZ: 'read-write', actorPartials: 'read-write' },
  variant: (v: WorldVariant & ReduceVariant) => ({
    constants: { WORKGROUP_SIZE: WORLD_ROW_WORKGROUP }, defines: { ...v.shape.defines, ...reduceDefines(1, v) },
  }),
  features: reduceFeatures,
});

export const laraWorldModelGradientKernel = defineKernel({
  shader: 'lara_world_model_gradient.wgsl',
  bindings: {
    step: 'dynamic-uniform', scenario: 'uniform', world: 'read', norm: 'read', z: 'read', obs: 'read', dZ: 'read-write', actorPartials: 'read-write',
  },
  variant: (v: WorldVariant & ReduceVariant) => ({
    constants: { WORKGROUP_SIZE: WORLD_ROW_WORKGROUP }, defines: { ...v.shape.defines, LW_OBSERVE: true, ...reduceDefines(1, v) },
  }),
  features: reduceFeatures,
});
