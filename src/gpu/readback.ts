// A failed readback (mapAsync rejects with a DOMException when the device is lost or destroyed) as a GpuError.
import { DeviceLostError, GpuError, UserError } from '../errors.js';

export function readbackError(error: unknown, what: string): GpuError | UserError {
  if (error instanceof GpuError || error instanceof UserError) return error;
  const e = error as { name?: string; message?: string };
  const reason = [e?.name, e?.message?.split('\n')[0]].filter((x) => x).join(': ') || String(error);
  return new DeviceLostError(`GPU device lost: ${what} failed (${reason})`);
}
