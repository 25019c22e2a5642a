// The device a library call runs on: the caller's GPUDevice (shared, never destroyed here) or one opened for the call.
import { GpuError, UserError } from '../errors.js';
import { readbackError } from '../gpu/readback.js';
import {
  adapterSummaryOf, createGpu, describeAdapter, gpuOfDevice, listAdapters as dawnAdapters, summarize, type AdapterSummary, type Gpu,
} from '../gpu/runtime.js';
import type { AdapterInfo } from './types.js';

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

const adapterInfo = (s: AdapterSummary): AdapterInfo => ({ ...s, name: describeAdapter(s) });

/**
 * Every adapter WebGPU offers (high-performance first, each once), as `megc info` lists them; empty when there is none.
 * `openDevice({ adapter })` opens the first whose name contains the given text.
 * @throws UserError in a browser without WebGPU (no navigator.gpu), saying what to use instead.
 */
export async function listAdapters(): Promise<AdapterInfo[]> {
  return (await dawnAdapters()).map((adapter) => adapterInfo(summarize(adapter)));
}

/**
 * The adapter a device was opened from (exact for a device from openDevice; for another, what its `adapterInfo` says),
 * e.g. to tell a visitor which GPU runs, or that a software adapter will be slow.
 */
export function adapterOf(device: GPUDevice): AdapterInfo {
  return adapterInfo(adapterSummaryOf(device));
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
 * on a lost or destroyed device) becomes a DeviceLostError naming `what`, and an uncaptured error of the device while
 * it ran (validation, out of memory) a GpuError.
 */
export async function onDevice<T>(device: GPUDevice | undefined, what: string, work: () => Promise<T>): Promise<T> {
  const gpu = device && gpuOfDevice(device);
  try {
    const result = await work();
    gpu?.checkErrors();
    return result;
  } catch (error) {
    const webgpu = error instanceof Error && ['AbortError', 'OperationError', 'InvalidStateError'].includes(error.name);
    if (device && webgpu && !(error instanceof UserError || error instanceof GpuError)) throw readbackError(error, what);
    throw error;
  } finally {
    gpu?.destroy();
  }
}
