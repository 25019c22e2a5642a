// Exits 0 and prints the adapter when Dawn (the `webgpu` package) finds one, 1 otherwise.
import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
if (!adapter) { console.error('no WebGPU adapter'); process.exit(1); }
console.log(`${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.device} ${adapter.info.description}`);
process.exit(0);
