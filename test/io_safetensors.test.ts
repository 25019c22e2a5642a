// Tests of safetensors IO: spec layout (checked with a hand-made file and an independent reader), checksum, corruption.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, expectMetadata, expectTensor, type Tensor } from '../src/io/safetensors.js';
import { readSafetensors, writeSafetensors } from '../src/io/safetensorsFile.js';
import { UserError } from '../src/errors.js';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'megc-st-'));
}

function sample(): Record<string, Tensor> {
  return {
    'actor.params': { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, -2, 3.5, Infinity, -0, 1e-40]) },
    'critic.adam_m': { dtype: 'F64', shape: [3], data: new Float64Array([Math.PI, -1 / 3, 1e300]) },
    step: { dtype: 'U32', shape: [], data: new Uint32Array([4294967295]) },
    counts: { dtype: 'I32', shape: [1, 1, 2], data: new Int32Array([-7, 2147483647]) },
    empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
  };
}

/**
 * A second, independent strict reader written from the spec text alone (no code shared with src/io): 8-byte LE
 * header length, JSON header, data offsets relative to the data section, tensors tiling it exactly.
 */
function independentRead(bytes: Uint8Array): { header: Record<string, any>; data: Record<string, number[]> } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  const base = 8 + n;
  const data: Record<string, number[]> = {};
  const spans: [number, number][] = [];
  for (const [name, entry] of Object.entries<any>(header)) {
    if (name === '__metadata__') continue;
    const [begin, end] = entry.data_offsets;
    spans.push([begin, end]);
    const size = { F32: 4, F64: 8, I32: 4, U32: 4 }[entry.dtype as string]!;
    const count = entry.shape.reduce((a: number, b: number) => a * b, 1);
    if (end - begin !== count * size) throw new Error(`size of ${name}`);
    const values: number[] = [];
    for (let i = 0; i < count; i++) {
      const at = base + begin + i * size;
      values.push(entry.dtype === 'F32' ? view.getFloat32(at, true)
        : entry.dtype === 'F64' ? view.getFloat64(at, true)
          : entry.dtype === 'I32' ? view.getInt32(at, true) : view.getUint32(at, true));
    }
    data[name] = values;
  }
  spans.sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [begin, end] of spans) { if (begin !== at) throw new Error('not contiguous'); at = end; }
  if (at !== bytes.byteLength - base) throw new Error('does not cover the data section');
  return { header, data };
}

describe('safetensors layout follows the spec', () => {
  it('a written file is read back exactly by an independent reader, header padded with spaces to 8 bytes', () => {
    const dir = scratch();
    const path = join(dir, 'model.safetensors');
    const tensors = sample();
    writeSafetensors(path, tensors, { format: 'pt', seed: '7' });
    const bytes = new Uint8Array(readFileSync(path));
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const headerText = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8');
    expect(headerText.startsWith('{')).toBe(true);
    expect(headerText.trimEnd().endsWith('}')).toBe(true);
    expect(/^ *$/.test(headerText.slice(headerText.trimEnd().length))).toBe(true);
    const { header, data } = independentRead(bytes);
    expect(header.__metadata__.format).toBe('pt');
    expect(header.__metadata__.seed).toBe('7');
    expect(header.__metadata__.checksum).toMatch(/^[0-9a-f]{64}$/);
    for (const [name, tensor] of Object.entries(tensors)) {
      expect(header[name].dtype).toBe(tensor.dtype);
      expect(header[name].shape).toEqual(tensor.shape);
      expect(data[name]).toEqual([...tensor.data]);
    }
    // Wider dtypes first keeps every tensor aligned to its element size within the file.
    for (const [name, entry] of Object.entries<any>(header)) {
      if (name === '__metadata__') continue;
      expect((8 + n + entry.data_offsets[0]) % { F32: 4, F64: 8, I32: 4, U32: 4 }[entry.dtype as 'F32']!).toBe(0);
    }
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it('round-trips through its own reader with bit-exact data (including -0, subnormals, Infinity)', () => {
    const dir = scratch();
    const path = join(dir, 'm.safetensors');
    const tensors = sample();
    writeSafetensors(path, tensors, { note: 'é ünïcode "quoted"' });
    const read = readSafetensors(path);
    expect(read.metadata.note).toBe('é ünïcode "quoted"');
    for (const [name, tensor] of Object.entries(tensors)) {
      expect(read.tensors[name].dtype).toBe(tensor.dtype);
      expect(read.tensors[name].shape).toEqual(tensor.shape);
      expect(read.tensors[name].data.constructor).toBe(tensor.data.constructor);
      expect(Buffer.from(read.tensors[name].data.buffer)).toEqual(Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    }
  });

  it('reads a hand-made file built byte by byte from the spec (no checksum: another tool wrote it)', () => {
    const header = '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F64","shape":[],"data_offsets":[8,16]}}';
    const padded = header + ' '.repeat((8 - ((8 + header.length) % 8)) % 8);
    const bytes = new Uint8Array(8 + padded.length + 16);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, BigInt(padded.length), true);
    bytes.set(Buffer.from(padded, 'ascii'), 8);
    view.setFloat32(8 + padded.length, 1.5, true);
    view.setFloat32(8 + padded.length + 4, -2, true);
    view.setFloat64(8 + padded.length + 8, 0.1, true);
    const read = decodeSafetensors(bytes, 'hand.safetensors', { verifyChecksum: false });
    expect([...read.tensors.w.data]).toEqual([1.5, -2]);
    expect(read.tensors.b.shape).toEqual([]);
    expect([...read.tensors.b.data]).toEqual([0.1]);
    expect(read.metadata).toEqual({ format: 'pt' });
    // With verification on, a file without a checksum is refused (our checkpoints always have one).
    expect(() => decodeSafetensors(bytes, 'hand.safetensors')).toThrow('hand.safetensors: has no checksum in its metadata');
  });
});

/** Builds a file from a raw header string and data length, without a checksum. */
function rawFile(header: string, dataBytes: number, headerLength = Buffer.byteLength(header)): Uint8Array {
  const h = Buffer.from(header, 'utf8');
  const bytes = new Uint8Array(8 + h.length + dataBytes);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(headerLength), true);
  bytes.set(h, 8);
  return bytes;
}

function errorOf(bytes: Uint8Array, verifyChecksum = false): string {
  try {
    decodeSafetensors(bytes, 'f.safetensors', { verifyChecksum });
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('no error');
}

describe('bad files give a UserError naming the file and the problem', () => {
  const entry = (dtype: string, shape: number[], offsets: number[]) => JSON.stringify({ dtype, shape, data_offsets: offsets });
  it.each([
    ['too short', new Uint8Array(5), /truncated: 5 bytes/],
    ['header longer than the file', rawFile('{}', 0, 100), /truncated: header length 100 but the file has 10 bytes/],
    ['absurd header length', rawFile('{}', 0, 2 ** 40), /bad header length/],
    ['header not JSON', rawFile('{"a":', 0), /bad header JSON/],
    ['header not an object', rawFile('[1, 2]', 0), /does not start with/],
    ['header not UTF-8', (() => { const b = rawFile('{"\u00e9"}', 0); b[10] = 0xff; return b; })(), /not valid UTF-8/],
    ['metadata not strings', rawFile('{"__metadata__":{"x":1}}', 0), /__metadata__ "x" is not a string/],
    ['unknown dtype', rawFile(`{"t":${entry('F16', [1], [0, 2])}}`, 2), /tensor "t": unsupported dtype "F16"/],
    ['extra key', rawFile('{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}', 4), /tensor "t" must have exactly dtype, shape, data_offsets/],
    ['bad shape', rawFile(`{"t":${entry('F32', [-1], [0, 4])}}`, 4), /tensor "t": bad shape \[-1\]/],
    ['byte count mismatch', rawFile(`{"t":${entry('F32', [2, 2], [0, 12])}}`, 12), /tensor "t": F32 shape \[2,2\] needs 16 bytes but data_offsets \[0, 12\] hold 12/],
    ['offsets out of range', rawFile(`{"t":${entry('F32', [2], [0, 8])}}`, 4), /tensor "t": data_offsets \[0, 8\] are out of range \(data section has 4 bytes/],
    ['offsets reversed', rawFile(`{"t":${entry('F32', [0], [4, 0])}}`, 4), /reversed/],
    ['overlap', rawFile(`{"t":${entry('F32', [2], [0, 8])},"u":${entry('F32', [1], [4, 8])}}`, 8), /overlap the previous tensor/],
    ['hole', rawFile(`{"t":${entry('F32', [1], [0, 4])},"u":${entry('F32', [1], [8, 12])}}`, 12), /leave a hole after byte 4/],
    ['trailing bytes', rawFile(`{"t":${entry('F32', [1], [0, 4])}}`, 8), /data section has 8 bytes but the tensors cover 4/],
  ])('%s', (_, bytes, pattern) => {
    const message = errorOf(bytes);
    expect(message.startsWith('f.safetensors: ')).toBe(true);
    expect(message).toMatch(pattern);
  });

  it('a truncated or corrupted checkpoint is detected by the checksum', () => {
    const good = encodeSafetensors(sample(), { scenario: 'default' });
    expect(errorOf(good.subarray(0, good.length - 1), true)).toBe('f.safetensors: checksum mismatch: the file is corrupted (or was truncated or modified)');
    const flipped = good.slice();
    flipped[flipped.length - 3] ^= 0x01;
    expect(errorOf(flipped, true)).toMatch(/checksum mismatch/);
    // Without verification the flip goes unnoticed: the checksum is what catches it.
    expect(() => decodeSafetensors(flipped, 'f', { verifyChecksum: false })).not.toThrow();
  });

  it('readSafetensors names a missing file; writeSafetensors leaves the previous file when it fails', () => {
    const dir = scratch();
    expect(() => readSafetensors(join(dir, 'none.safetensors'))).toThrow(`${join(dir, 'none.safetensors')}: no such file`);
    const path = join(dir, 'c.safetensors');
    writeSafetensors(path, sample(), { v: '1' });
    const before = readFileSync(path);
    const bad = { x: { dtype: 'F32' as const, shape: [3], data: new Float32Array(2) } };
    expect(() => writeSafetensors(path, bad)).toThrow(/shape \[3\] has 3 elements, data has 2/);
    expect(readFileSync(path)).toEqual(before);
    expect(readdirSync(dir)).toEqual(['c.safetensors']);
  });

  it('expectTensor / expectMetadata name the tensor, both shapes and the hint', () => {
    const file = decodeSafetensors(encodeSafetensors(sample(), { scenario: 'abc' }), 'ck');
    expect(expectTensor(file, 'ck', 'actor.params', 'F32', [2, 3]).data.length).toBe(6);
    expect(() => expectTensor(file, 'ck', 'actor.params', 'F32', [3, 3], 'does --hidden match the checkpoint?'))
      .toThrow('ck: tensor "actor.params" has shape [2, 3], expected [3, 3] (does --hidden match the checkpoint?)');
    expect(() => expectTensor(file, 'ck', 'actor.params', 'F64', [2, 3])).toThrow('ck: tensor "actor.params" is F32, expected F64');
    expect(() => expectTensor(file, 'ck', 'nope', 'F32', [1])).toThrow('ck: no tensor "nope"');
    expect(expectMetadata(file, 'ck', 'scenario')).toBe('abc');
    expect(() => expectMetadata(file, 'ck', 'seed')).toThrow('ck: metadata has no "seed"');
  });
});

describe('property: any corruption of a checkpoint is detected, never a crash or a silent success', () => {
  const good = encodeSafetensors(sample(), { scenario: '{"psi":2}', seed: '1' });

  it('random byte changes anywhere (header, padding, checksum, data)', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
      (changes) => {
        const bytes = good.slice();
        for (const [at, xor] of changes) bytes[at] ^= xor;
        if (Buffer.from(bytes).equals(Buffer.from(good))) return; // changes cancelled out
        expect(() => decodeSafetensors(bytes, 'f.safetensors')).toThrow(UserError);
      },
    ), { numRuns: 3000 });
  });

  it('every single-byte flip of every byte', () => {
    for (let at = 0; at < good.length; at++) {
      const bytes = good.slice();
      bytes[at] ^= 0x20;
      expect(() => decodeSafetensors(bytes, 'f.safetensors'), `byte ${at}`).toThrow(UserError);
    }
  });

  it('truncation at any length and appended bytes', () => {
    for (let length = 0; length < good.length; length++) {
      expect(() => decodeSafetensors(good.subarray(0, length), 'f.safetensors'), `length ${length}`).toThrow(UserError);
    }
    expect(() => decodeSafetensors(new Uint8Array([...good, 0]), 'f.safetensors')).toThrow(UserError);
  });

  it('random bytes with and without verification', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, verifyChecksum) => {
      try {
        decodeSafetensors(bytes, 'f.safetensors', { verifyChecksum });
      } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        expect((error as Error).message).toMatch(/^f\.safetensors: /);
      }
    }), { numRuns: 3000 });
  });
});
