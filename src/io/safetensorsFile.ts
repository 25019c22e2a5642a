// safetensors files: reading (checksum verified) and atomic writing of the bytes src/io/safetensors.ts encodes and decodes.
import { readInputFile } from './inputFile.js';
import { writeFileAtomic } from './atomic.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsFile, type Tensor } from './safetensors.js';

/** Writes tensors + metadata atomically as safetensors; metadata `checksum` is added (any given one is replaced). */
export function writeSafetensors(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Largest safetensors file read (Node reads at most 2 GiB - 1 into one buffer). */
export const MAX_SAFETENSORS_FILE_BYTES = 2 ** 31 - 1;

/** Reads a safetensors file; the checksum is verified unless `verifyChecksum: false`. UserErrors name the file. */
export function readSafetensors(path: string, { verifyChecksum = true } = {}): SafetensorsFile {
  // A regular file no larger than Node reads at once (2 GiB): /dev/zero or a fifo is refused, not read without end.
  const bytes = readInputFile(path, { what: path, maxBytes: MAX_SAFETENSORS_FILE_BYTES });
  return decodeSafetensors(bytes, path, { verifyChecksum });
}
