// The device a library call runs on: the caller's GPUDevice (shared, never destroyed here) or one opened for the call.
import { GpuError, UserError } from '../errors.js';
import { readbackError } from '../gpu/readback.js';
import { createGpu, gpuOfDevice, type Gpu } from '../gpu/runtime.js';

/**
 * Opens a WebGPU device as the CLI does (the adapter's largest buffer limits, every optional feature it has), for
 * passing to the library's functions: in Node through Dawn (package webgpu), in a browser through navigator.gpu.
 * The caller owns it: call `device.destroy()` when done.
 * @param options.adapter - a substring of the adapter's vendor, architecture, device or description (Node: default
 *   $MEGC_ADAPTER); a UserError lists the adapters when none matches.
 */
export async function openDevice(options: { adapter?: string } = {}): Promise<GPUDevice> {
  return (await createGpu({ adapter: options.adapter })).device;
}

/** Runs `use` on the caller's device, or on a device opened for it and destroyed after; GPU errors surface as GpuError. */
export async function withGpu<T>(device: GPUDevice | undefined, use: (gpu: Gpu) => Promise<T>): Promise<T> {
  const gpu = device ? gpuOfDevice(device) : await createGpu();
  try {
    const result = await use(gpu);
    gpu.checkErrors();
    return result;
  } finally {
    gpu.destroy();
  }
}

/**
 * Runs GPU work on the caller's device (or none: then `work` runs on the CPU); a rejection of WebGPU's own (a readback
 * on a lost or destroyed device) becomes a DeviceLostError naming `what`.
 */
export async function onDevice<T>(device: GPUDevice | undefined, what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const webgpu = error instanceof Error && ['AbortError', 'OperationError', 'InvalidStateError'].includes(error.name);
    if (device && webgpu && !(error instanceof UserError || error instanceof GpuError)) throw readbackError(error, what);
    throw error;
  }
}
