// safetensors encoding and decoding (https://github.com/huggingface/safetensors format) with a SHA-256 checksum; bytes
// only, no file access (Node and the web page): src/io/safetensorsFile.ts reads and writes files.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { UserError } from '../errors.js';
import { parseJson } from '../json.js';

/*
 * File layout (the safetensors spec):
 *   8 bytes   N, unsigned little-endian 64-bit: byte length of the header
 *   N bytes   UTF-8 JSON object: { "__metadata__": {string: string}, name: {dtype, shape, data_offsets: [begin, end]} }
 *             padded at the end with spaces (0x20) so that 8 + N is a multiple of 8
 *   rest      the data section; data_offsets are relative to its start; tensors are little-endian, row-major,
 *             contiguous and cover the data section exactly (no holes, no overlaps).
 * Integrity (this project): metadata `checksum` is the lowercase hex SHA-256 of the whole file with the 64 hex
 * digits of the checksum itself replaced by "0". So it covers the length prefix, every header byte (tensor
 * names, dtypes, shapes, offsets, other metadata, padding) and the data section: any corruption is detected.
 */

export type Dtype = 'F32' | 'F64' | 'I32' | 'U32';
export type TensorData = Float32Array | Float64Array | Int32Array | Uint32Array;

export interface Tensor {
  dtype: Dtype;
  /** Row-major shape; [] is a scalar (one element). */
  shape: number[];
  data: TensorData;
}

export interface SafetensorsFile {
  tensors: Record<string, Tensor>;
  /** `__metadata__`, including `checksum` when the file has one. */
  metadata: Record<string, string>;
}

const DTYPES: Record<Dtype, { bytes: number; array: new (length: number) => TensorData }> = {
  F32: { bytes: 4, array: Float32Array },
  F64: { bytes: 8, array: Float64Array },
  I32: { bytes: 4, array: Int32Array },
  U32: { bytes: 4, array: Uint32Array },
};

/** Largest header the reader accepts (the reference implementation's limit). */
const MAX_HEADER_BYTES = 100_000_000;
const CHECKSUM_KEY = 'checksum';
const CHECKSUM_PLACEHOLDER = '0'.repeat(64);
const CHECKSUM_MARKER = `"${CHECKSUM_KEY}":"`;

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('safetensors: a little-endian host is required');

const utf8 = new TextEncoder();
const CHECKSUM_MARKER_BYTES = utf8.encode(CHECKSUM_MARKER);

/** Index of the first occurrence of `needle` in `haystack` at or after `from`, or -1. */
function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Byte range of the checksum's hex digits inside the file, or null if the header has no checksum field. */
function checksumRange(file: Uint8Array, headerEnd: number, source: string): [number, number] | null {
  const marker = CHECKSUM_MARKER_BYTES;
  const header = file.subarray(8, headerEnd);
  const first = indexOfBytes(header, marker);
  if (first < 0) return null;
  if (indexOfBytes(header, marker, first + 1) >= 0) throw new UserError(`${source}: corrupted header: the checksum appears twice`);
  const begin = 8 + first + marker.length;
  return [begin, begin + 64];
}

/** SHA-256 of the file with the checksum digits at `range` replaced by "0". */
function fileChecksum(file: Uint8Array, range: [number, number]): string {
  const hash = sha256.create();
  hash.update(file.subarray(0, range[0]));
  hash.update(utf8.encode(CHECKSUM_PLACEHOLDER));
  hash.update(file.subarray(range[1]));
  return bytesToHex(hash.digest());
}

/** Serialises tensors and metadata into safetensors bytes (with the checksum). Exposed for tests. */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors);
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new Error(`safetensors: metadata "${key}" must be a string`);
  }
  // Widest dtype first, then by name (as the reference writer does), so every tensor stays aligned.
  names.sort((a, b) => DTYPES[tensors[b].dtype].bytes - DTYPES[tensors[a].dtype].bytes || (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {
    __metadata__: { ...Object.fromEntries(Object.entries(metadata).filter(([k]) => k !== CHECKSUM_KEY)), [CHECKSUM_KEY]: CHECKSUM_PLACEHOLDER },
  };
  let offset = 0;
  for (const name of names) {
    const { dtype, shape, data } = tensors[name];
    if (name === '' || name === '__metadata__') throw new Error(`safetensors: bad tensor name ${JSON.stringify(name)}`);
    const spec = DTYPES[dtype];
    if (!spec) throw new Error(`safetensors: tensor "${name}": unsupported dtype ${dtype}`);
    if (!(data instanceof spec.array)) throw new Error(`safetensors: tensor "${name}": data is not a ${spec.array.name} for dtype ${dtype}`);
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`safetensors: tensor "${name}": bad shape [${shape}]`);
    if (elementCount(shape) !== data.length) throw new Error(`safetensors: tensor "${name}": shape [${shape}] has ${elementCount(shape)} elements, data has ${data.length}`);
    header[name] = { dtype, shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let headerText = JSON.stringify(header);
  const headerBytesUnpadded = utf8.encode(headerText).length;
  headerText += ' '.repeat((8 - ((8 + headerBytesUnpadded) % 8)) % 8);
  const headerBytes = utf8.encode(headerText);

  const file = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(file.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  file.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const { data } = tensors[name];
    file.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  const range = checksumRange(file, 8 + headerBytes.length, 'safetensors')!;
  file.set(utf8.encode(fileChecksum(file, range)), range[0]);
  return file;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses safetensors bytes strictly; `source` names the file in messages. Every problem (truncation, bad header
 * length, bad JSON, bad entries, offsets out of range / overlapping / leaving holes, byte-count mismatch, checksum
 * mismatch) is a one-line UserError.
 */
export function decodeSafetensors(file: Uint8Array, source: string, { verifyChecksum = true } = {}): SafetensorsFile {
  const bad = (problem: string) => new UserError(`${source}: ${problem}`);
  if (file.byteLength < 8) throw bad(`truncated: ${file.byteLength} bytes, too short for a safetensors file`);
  const headerLength = new DataView(file.buffer, file.byteOffset, file.byteLength).getBigUint64(0, true);
  if (headerLength < 2n || headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw bad(`bad header length ${headerLength} (not a safetensors file, or corrupted)`);
  }
  const headerEnd = 8 + Number(headerLength);
  if (headerEnd > file.byteLength) throw bad(`truncated: header length ${headerLength} but the file has ${file.byteLength} bytes`);

  // Checksum first: a corrupted file gets the one clear message, whatever else the corruption broke.
  const range = checksumRange(file, headerEnd, source);
  if (verifyChecksum) {
    if (range === null) throw bad('has no checksum in its metadata (written by another tool? or corrupted)');
    const stored = String.fromCharCode(...file.subarray(range[0], range[1]));
    if (!/^[0-9a-f]{64}$/.test(stored) || fileChecksum(file, range) !== stored) {
      throw bad('checksum mismatch: the file is corrupted (or was truncated or modified)');
    }
  }

  let headerText: string;
  try {
    headerText = new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(8, headerEnd));
  } catch {
    throw bad('bad header: not valid UTF-8');
  }
  if (!headerText.startsWith('{')) throw bad('bad header: does not start with "{"');
  let header: unknown;
  try {
    header = parseJson(headerText);
  } catch (error) {
    throw bad(`bad header JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!isPlainObject(header)) throw bad('bad header: not a JSON object');

  const metadata: Record<string, string> = {};
  if ('__metadata__' in header) {
    const raw = header.__metadata__;
    if (!isPlainObject(raw)) throw bad('bad header: __metadata__ is not an object of strings');
    for (const [key, value] of Object.entries(raw)) {
      if (typeof value !== 'string') throw bad(`bad header: __metadata__ "${key}" is not a string`);
      metadata[key] = value;
    }
  }

  const dataStart = headerEnd;
  const dataLength = file.byteLength - dataStart;
  const entries: { name: string; dtype: Dtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const where = `tensor "${name}"`;
    if (!isPlainObject(entry)) throw bad(`bad header: ${where} is not an object`);
    const keys = Object.keys(entry).sort().join(',');
    if (keys !== 'data_offsets,dtype,shape') throw bad(`bad header: ${where} must have exactly dtype, shape, data_offsets (has ${keys || 'nothing'})`);
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: unknown; shape: unknown; data_offsets: unknown };
    if (typeof dtype !== 'string' || !(dtype in DTYPES)) throw bad(`${where}: unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPES).join(', ')})`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`${where}: bad shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw bad(`${where}: bad data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as number[];
    if (begin > end) throw bad(`${where}: data_offsets [${begin}, ${end}] are reversed`);
    if (end > dataLength) throw bad(`${where}: data_offsets [${begin}, ${end}] are out of range (data section has ${dataLength} bytes; truncated?)`);
    const expectedBytes = elementCount(shape as number[]) * DTYPES[dtype as Dtype].bytes;
    if (end - begin !== expectedBytes) {
      throw bad(`${where}: ${dtype} shape [${shape}] needs ${expectedBytes} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    entries.push({ name, dtype: dtype as Dtype, shape: shape as number[], begin, end });
  }
  // Tensors must tile the data section: sorted by offset, each begins where the previous ended.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  for (const entry of sorted) {
    if (entry.begin < expectedBegin) throw bad(`tensor "${entry.name}": data_offsets [${entry.begin}, ${entry.end}] overlap the previous tensor (ending at ${expectedBegin})`);
    if (entry.begin > expectedBegin) throw bad(`tensor "${entry.name}": data_offsets [${entry.begin}, ${entry.end}] leave a hole after byte ${expectedBegin}`);
    expectedBegin = entry.end;
  }
  if (expectedBegin !== dataLength) {
    throw bad(`the data section has ${dataLength} bytes but the tensors cover ${expectedBegin} (truncated or trailing bytes)`);
  }

  const tensors: Record<string, Tensor> = {};
  for (const { name, dtype, shape, begin, end } of entries) {
    const spec = DTYPES[dtype];
    const data = new spec.array((end - begin) / spec.bytes);
    new Uint8Array(data.buffer).set(file.subarray(dataStart + begin, dataStart + end));
    tensors[name] = { dtype, shape: [...shape], data };
  }
  return { tensors, metadata };
}

/**
 * Returns tensor `name` of a read file after checking its dtype and shape; a UserError naming the file, tensor and
 * both shapes otherwise. `hint` ends the message, e.g. "does --hidden match the checkpoint?".
 */
export function expectTensor(file: SafetensorsFile, source: string, name: string, dtype: Dtype, shape: readonly number[], hint = ''): Tensor {
  const tensor = file.tensors[name];
  const suffix = hint ? ` (${hint})` : '';
  if (tensor === undefined) throw new UserError(`${source}: no tensor "${name}"${suffix}`);
  if (tensor.dtype !== dtype) throw new UserError(`${source}: tensor "${name}" is ${tensor.dtype}, expected ${dtype}${suffix}`);
  if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
    throw new UserError(`${source}: tensor "${name}" has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]${suffix}`);
  }
  return tensor;
}

/** Returns metadata `key` of a read file; a UserError naming the file and key if it is missing. */
export function expectMetadata(file: SafetensorsFile, source: string, key: string): string {
  const value = file.metadata[key];
  if (value === undefined) throw new UserError(`${source}: metadata has no "${key}"`);
  return value;
}
