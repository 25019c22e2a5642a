// Checkpoints in the page: a run's checkpoint.safetensors bytes (TrainingResult.checkpoint(), the format `megc act` and
// `megc eval` load) saved as a download; a checkpoint opened from a file picker or a drop, read into a policy.
import { loadPolicy, type TrainedPolicy } from '../../src/index.browser.js';

/** The name a checkpoint is downloaded under, the name `megc train` gives its own. */
const CHECKPOINT_FILE = 'checkpoint.safetensors';

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
export async function openCheckpoint(file: File): Promise<TrainedPolicy> {
  return loadPolicy(new Uint8Array(await file.arrayBuffer()), file.name);
}
