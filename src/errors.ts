// Errors a user can act on: printed as one line by the CLI, never with a stack trace.

/** A problem with the user's input (flag, scenario, CSV, checkpoint) or environment, explained in one line. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * A size the device, the JavaScript runtime or megc refuses (a buffer over the GPU's maxStorageBufferBindingSize, an
 * array over a typed array's length, a network over MAX_NETWORK_PARAMETERS); the message names the limit and the
 * largest size that fits.
 */
export class LimitError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'LimitError';
  }
}

/** A WGSL shader failed to compile; the message names the file and line. */
export class ShaderCompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShaderCompileError';
  }
}

/** The GPU reported an error (validation, out of memory, device lost). */
export class GpuError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuError';
  }
}

/** The GPU device was lost (driver reset, the device destroyed by its owner, out of resources); open a new one. */
export class DeviceLostError extends GpuError {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceLostError';
  }
}

/** A command stopped by SIGINT or SIGTERM at a safe point; exits 130 or 143 with its message (not an error). */
export class Interrupted extends UserError {
  constructor(message: string, readonly signal: 'SIGINT' | 'SIGTERM') {
    super(message, signal === 'SIGINT' ? 130 : 143);
    this.name = 'Interrupted';
  }
}
