// Buffer helpers: storage/uniform creation, uploads, readback, and an id per buffer for cache keys.
import './globals.js';
import { LimitError } from '../errors.js';

export const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
export const UNIFORM = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;

/** Refuses up front a buffer larger than the device can bind, naming the limit. */
export function checkBindingSize(device: GPUDevice, bytes: number, what: string): void {
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  if (bytes > limit) {
    throw new LimitError(`${what} needs ${bytes} bytes in one buffer, more than this GPU's limit of ${limit} bytes (maxStorageBufferBindingSize)`);
  }
}

export function createStorage(device: GPUDevice, bytes: number, label: string): GPUBuffer {
  checkBindingSize(device, bytes, label);
  return device.createBuffer({ label, size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: STORAGE });
}

export function createStorageFrom(device: GPUDevice, data: ArrayBufferView, label: string): GPUBuffer {
  const buffer = createStorage(device, data.byteLength, label);
  device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return buffer;
}

export function createUniform(device: GPUDevice, data: ArrayBuffer, label: string): GPUBuffer {
  const buffer = device.createBuffer({ label, size: Math.max(16, Math.ceil(data.byteLength / 16) * 16), usage: UNIFORM });
  device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/** Copies `bytes` from a GPU buffer into a fresh ArrayBuffer (one submit + map). */
export async function readBuffer(device: GPUDevice, source: GPUBuffer, bytes = source.size, offset = 0): Promise<ArrayBuffer> {
  const size = Math.ceil(bytes / 4) * 4;
  const staging = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(source, offset, staging, 0, size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const copy = staging.getMappedRange().slice(0, bytes);
  staging.unmap();
  staging.destroy();
  return copy;
}

export async function readFloat32(device: GPUDevice, source: GPUBuffer, count: number, offset = 0): Promise<Float32Array> {
  return new Float32Array(await readBuffer(device, source, count * 4, offset * 4));
}

export async function readUint32(device: GPUDevice, source: GPUBuffer, count: number, offset = 0): Promise<Uint32Array> {
  return new Uint32Array(await readBuffer(device, source, count * 4, offset * 4));
}

const ids = new WeakMap<GPUBuffer, number>();
let nextId = 1;
/** A stable number per buffer object, for cache keys. */
export function bufferId(buffer: GPUBuffer): number {
  let id = ids.get(buffer);
  if (id === undefined) { id = nextId++; ids.set(buffer, id); }
  return id;
}
