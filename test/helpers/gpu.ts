// One GPU device shared by every test of a file; Dawn's objects stay referenced until the file ends.
import { afterAll } from 'vitest';
import { createGpu, type Gpu } from '../../src/gpu/runtime.js';

let shared: Promise<Gpu> | undefined;

export function testGpu(): Promise<Gpu> {
  if (!shared) {
    shared = createGpu();
    afterAll(async () => {
      const gpu = await shared!;
      await gpu.device.queue.onSubmittedWorkDone();
      gpu.checkErrors();
    });
  }
  return shared;
}
