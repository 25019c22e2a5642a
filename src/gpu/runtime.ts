// The WebGPU runtime: picks an adapter, requests the limits the workload needs, turns GPU errors into exceptions.
import './globals.js';
import { gpuEntry, hostSetting, lowerThreadPriority } from '../platform/host.js';
import { DeviceLostError, GpuError, UserError } from '../errors.js';


export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isSoftware: boolean;
}

export interface GpuOptions {
  /** Substring of the adapter's vendor/architecture/device/description; defaults to $MEGC_ADAPTER. */
  adapter?: string;
  /**
   * Dawn flags, e.g. 'enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia' (which an NVIDIA GPU needs
   * for shader-f16 and chromium-experimental-subgroup-matrix); defaults to $MEGC_DAWN_FLAGS (see dawnFlagsFrom).
   */
  dawnFlags?: string[];
  /** Features to enable where the adapter has them (never required). */
  optionalFeatures?: GPUFeatureName[];
  /**
   * On a CPU adapter (lavapipe, SwiftShader), lower the calling thread's scheduling priority once the device exists
   * (Linux only: host.ts lowerThreadPriority), so that its waits for the GPU do not take a core from the adapter's own
   * threads; default false. A process that does little else on that thread sets it (`megc train`, `megc bench`): the
   * thread's other work then yields to every busy thread of the machine too.
   */
  yieldToCpuAdapter?: boolean;
}

/** One WebGPU device and everything needed to keep it alive and release it. */
export interface Gpu {
  device: GPUDevice;
  /** The adapter it was opened from; undefined for a device the host application opened (gpuOfDevice). */
  adapter?: GPUAdapter;
  info: AdapterSummary;
  features: Set<string>;
  limits: GPUSupportedLimits;
  /** Throws the first uncaptured error or device loss seen since the last call. */
  checkErrors(): void;
  destroy(): void;
}

export function summarize(adapter: GPUAdapter): AdapterSummary {
  return summarizeInfo(adapter.info);
}

function summarizeInfo(i: GPUAdapterInfo): AdapterSummary {
  const text = `${i.vendor} ${i.architecture} ${i.device} ${i.description}`.toLowerCase();
  const isSoftware =
    (i as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter === true ||
    /llvmpipe|lavapipe|swiftshader|software/.test(text);
  return { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isSoftware };
}

/** The adapters of the devices createGpu opened (a device may not say where it came from: GPUDevice.adapterInfo is recent). */
const OPENED = new WeakMap<GPUDevice, AdapterSummary>();

/** What a device says of its adapter (GPUDevice.adapterInfo is recent: undefined where the device does not say). */
export const deviceAdapterInfo = (device: GPUDevice): GPUAdapterInfo | undefined => (device as unknown as { adapterInfo?: GPUAdapterInfo }).adapterInfo;

/** The adapter a device was opened from: createGpu's record, else the device's adapterInfo, else a placeholder. */
export function adapterSummaryOf(device: GPUDevice): AdapterSummary {
  const known = OPENED.get(device);
  if (known) return known;
  const info = deviceAdapterInfo(device);
  return info ? summarizeInfo(info) : { vendor: '', architecture: '', device: '', description: 'a device of the host application', isSoftware: false };
}

export function describeAdapter(s: AdapterSummary): string {
  return [s.vendor, s.architecture, s.device, s.description].filter((x) => x).join(' / ') + (s.isSoftware ? ' (software)' : '');
}

/** Every adapter Dawn offers, high-performance first. */
export async function listAdapters(flags: string[] = []): Promise<GPUAdapter[]> {
  const gpu = gpuEntry(flags);
  const found: GPUAdapter[] = [];
  const seen = new Set<string>();
  for (const powerPreference of ['high-performance', 'low-power'] as const) {
    for (const forceFallbackAdapter of [false, true]) {
      const a = await gpu.requestAdapter({ powerPreference, forceFallbackAdapter });
      if (!a) continue;
      const key = describeAdapter(summarize(a));
      if (!seen.has(key)) { seen.add(key); found.push(a); }
    }
  }
  return found;
}

/** Dawn flags from a setting's text: separated by spaces (each flag may hold commas); none when unset or blank. */
export function dawnFlagsFrom(text: string | undefined): string[] {
  return (text ?? '').split(/\s+/).filter((f) => f.length > 0);
}

const SETUP_HINT = 'run `bash scripts/setup-vulkan.sh` (installs Mesa lavapipe on Debian) or use --device cpu';

/** Opens a device with the adapter's maximum buffer limits, so large batches fit. */
export async function createGpu(options: GpuOptions = {}): Promise<Gpu> {
  const wanted = options.adapter ?? hostSetting('MEGC_ADAPTER');
  // Timestamps at full resolution: Dawn rounds them (to ~65 us on lavapipe) against timing attacks in browsers, which
  // would blur the per-kernel profile and the tuner's timings.
  // MEGC_DAWN_FLAGS (when no flags are given): both ways it can fail name it, so a user knows what to change.
  const setting = options.dawnFlags === undefined ? hostSetting('MEGC_DAWN_FLAGS') : undefined;
  const userFlags = options.dawnFlags ?? dawnFlagsFrom(setting);
  const fromSetting = options.dawnFlags === undefined && userFlags.length > 0;
  let adapters: GPUAdapter[];
  try {
    adapters = await listAdapters(['disable-dawn-features=timestamp_quantization', ...userFlags]);
  } catch (error) {
    if (!fromSetting) throw error;
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new UserError(`MEGC_DAWN_FLAGS=${JSON.stringify(setting)}: Dawn cannot use these flags (${reason}); give key=value flags separated by spaces, or unset it`);
  }
  if (adapters.length === 0) {
    throw new UserError(fromSetting
      ? `no WebGPU adapter found with MEGC_DAWN_FLAGS=${JSON.stringify(setting)} (its Dawn flags may hide every adapter: unset it to check); ${SETUP_HINT}`
      : `no WebGPU adapter found; ${SETUP_HINT}`);
  }
  let adapter = adapters[0];
  if (wanted) {
    const match = adapters.find((a) => describeAdapter(summarize(a)).toLowerCase().includes(wanted.toLowerCase()));
    if (!match) {
      const names = adapters.map((a) => describeAdapter(summarize(a))).join('; ');
      throw new UserError(`no WebGPU adapter matches --adapter "${wanted}"; available: ${names}`);
    }
    adapter = match;
  }
  const l = adapter.limits;
  const requiredLimits: Record<string, number> = {
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
  };
  // Every feature some kernel variant can use, where the adapter has it (the tuner only offers what the device has).
  const wantedFeatures = ['timestamp-query', 'shader-f16', 'subgroups', 'chromium-experimental-subgroup-matrix', ...(options.optionalFeatures ?? [])] as GPUFeatureName[];
  const requiredFeatures = wantedFeatures.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  const info = summarize(adapter);
  OPENED.set(device, info);
  if (info.isSoftware && options.yieldToCpuAdapter) lowerThreadPriority();

  let pending: Error | undefined;
  let lost = false;
  device.addEventListener('uncapturederror', (event) => {
    const e = (event as GPUUncapturedErrorEvent).error;
    const kind = e instanceof GPUOutOfMemoryError ? 'out of GPU memory' : 'GPU error';
    pending ??= new GpuError(`${kind}: ${e.message.split('\n')[0]}`);
  });
  device.lost.then((info) => {
    lost = true;
    if (info.reason !== 'destroyed') pending ??= new DeviceLostError(`GPU device lost: ${info.message || info.reason}`);
  });

  return {
    device,
    adapter,
    info,
    features: new Set([...device.features] as string[]),
    limits: device.limits,
    checkErrors() {
      if (pending) { const e = pending; pending = undefined; throw e; }
    },
    destroy() {
      if (!lost) device.destroy();
      lost = true;
    },
  };
}

/**
 * A device the host application opened, wrapped so megc can use it: errors and loss are reported through checkErrors()
 * (a listener is added, none replaced), and destroy() detaches it and leaves the device to its owner.
 */
export function gpuOfDevice(device: GPUDevice): Gpu {
  let pending: Error | undefined;
  let attached = true;
  const onError = (event: Event) => {
    const e = (event as GPUUncapturedErrorEvent).error;
    const kind = e instanceof GPUOutOfMemoryError ? 'out of GPU memory' : 'GPU error';
    pending ??= new GpuError(`${kind}: ${e.message.split('\n')[0]}`);
  };
  device.addEventListener('uncapturederror', onError);
  device.lost.then((lost) => { if (attached) pending ??= new DeviceLostError(`GPU device lost: ${lost.message || lost.reason}`); });
  return {
    device,
    info: adapterSummaryOf(device),
    features: new Set([...device.features] as string[]),
    limits: device.limits,
    checkErrors() {
      if (pending) { const e = pending; pending = undefined; throw e; }
    },
    destroy() {
      attached = false;
      device.removeEventListener('uncapturederror', onError);
    },
  };
}
