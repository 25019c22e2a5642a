// safetensors files: reading (checksum verified) and atomic writing of the bytes src/io/safetensors.ts encodes and decodes.
import { readFileSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsFile, type Tensor } from './safetensors.js';

/** Writes tensors + metadata atomically as safetensors; metadata `checksum` is added (any given one is replaced). */
export function writeSafetensors(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads a safetensors file; the checksum is verified unless `verifyChecksum: false`. UserErrors name the file. */
export function readSafetensors(path: string, { verifyChecksum = true } = {}): SafetensorsFile {
  let bytes: Uint8Array;
  try {
    if (statSync(path).isDirectory()) throw new UserError(`${path}: is a directory, expected a safetensors file`);
    bytes = readFileSync(path);
  } catch (error) {
    if (error instanceof UserError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`${path}: no such file`);
    throw new UserError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return decodeSafetensors(bytes, path, { verifyChecksum });
}
