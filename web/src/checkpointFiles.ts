// Checkpoints in the page: the trained state as checkpoint.safetensors bytes (the format `megc act` and `megc eval`
// load), saved as a download; a checkpoint opened from a file picker or a drop, read into a policy.
import type { Scenario } from '../../src/scenario.js';
import { CHECKPOINT_FILE, decodePolicy, encodeCheckpoint, type LoadedPolicy, type TrainerSnapshot } from '../../src/train/checkpointFormat.js';
import type { TrainConfig } from '../../src/train/config.js';

/**
 * The checkpoint of a page run. Its progress metadata is null (the page writes no metrics.csv), so `megc train
 * --resume` refuses it; `megc act` and `megc eval --policy` use it as they use one of theirs.
 */
export function checkpointBytes(snapshot: TrainerSnapshot, config: TrainConfig, scenario: Scenario): Uint8Array {
  return encodeCheckpoint(snapshot, { config, scenario, device: 'gpu', progress: null });
}

/** Offers `bytes` as a download named checkpoint.safetensors. */
export function saveCheckpoint(bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = CHECKPOINT_FILE;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The trained actor of an opened file, checked as `megc eval --policy` checks one (UserError naming the file). */
export async function openCheckpoint(file: File): Promise<LoadedPolicy> {
  return decodePolicy(new Uint8Array(await file.arrayBuffer()), file.name);
}
