// A failure as the page shows it: one line, as the CLI prints it (never a raw RangeError or a stack).
import { GpuError, UserError } from '../../src/index.browser.js';

/** The user's mistakes and GPU errors as they are; anything else as "internal error: …", first line only. */
export function failureText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n')[0];
  if (error instanceof UserError || error instanceof GpuError) return line;
  return `internal error: ${line}`;
}
