// The subgroup-matrix (tensor-core) linear kernels through Tint's full validation on Dawn's null backend, which offers
// chromium-experimental-subgroup-matrix but runs nothing: lavapipe lacks the feature, so this is what can be checked
// here of the real code path (nn_gpu.test.ts runs the emulated one against the reference).
import { describe, expect, it } from 'vitest';
import { create } from 'webgpu';
import '../src/gpu/globals.js';
import { linearBackwardInputPipeline, linearBackwardWeightPipeline, linearForwardPipeline, MATRIX_FEATURES, type LinearVariant, type MatrixTile } from '../src/nn/linear.js';
import { matrixConfigs } from '../src/nn/linearCandidates.js';

// Dawn's create() result must stay referenced while its devices live.
let entry: GPU | undefined;

async function nullDevice(): Promise<GPUDevice> {
  entry ??= create(['backend=null', 'enable-dawn-features=allow_unsafe_apis']);
  const adapter = await entry.requestAdapter();
  if (!adapter) throw new Error('Dawn offers no null adapter');
  const l = adapter.limits;
  return adapter.requestDevice({
    requiredFeatures: [...MATRIX_FEATURES] as GPUFeatureName[],
    requiredLimits: {
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup, maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    },
  });
}

describe('subgroup-matrix linear kernels pass Tint validation (Dawn null backend)', () => {
  it('forward, backward to the input and to the weights build for 16x16x16 and 8x8x8 configurations', async () => {
    const device = await nullDevice();
    const { subgroupSize } = matrixConfigs(device);
    expect(subgroupSize).toBeGreaterThan(0);
    // The null adapter allows 256 invocations and 16 KB of workgroup memory: small tiles of one or two subgroups.
    const tiles: MatrixTile[] = [
      { m: 16, n: 16, k: 16, fragRows: 1, fragCols: 1, subgroupRows: 1, subgroupCols: Math.max(1, Math.floor(256 / subgroupSize)), tileK: 32, subgroupSize },
      { m: 8, n: 8, k: 8, fragRows: 2, fragCols: 2, subgroupRows: 1, subgroupCols: 1, tileK: 16, subgroupSize },
    ];
    for (const t of tiles) {
      const v: LinearVariant = { kind: 'matrix', ...t };
      await expect(linearForwardPipeline(device, v, true)).resolves.toBeDefined();
      await expect(linearBackwardInputPipeline(device, v, true)).resolves.toBeDefined();
      await expect(linearBackwardWeightPipeline(device, v)).resolves.toBeDefined();
    }
    device.destroy();
  });

  it('refuses a workgroup that is not a multiple of the largest subgroup size (the validation runs)', async () => {
    const device = await nullDevice();
    const { subgroupSize } = matrixConfigs(device);
    const v: LinearVariant = { kind: 'matrix', m: 8, n: 8, k: 8, fragRows: 1, fragCols: 1, subgroupRows: 1, subgroupCols: 1, tileK: 8, subgroupSize: subgroupSize / 2 };
    await expect(linearForwardPipeline(device, v, false)).rejects.toThrow(/multiple of the device maxSubgroupSize/);
    device.destroy();
  });
});
