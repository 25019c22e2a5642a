// Installs Dawn's WebGPU globals (GPUBufferUsage, GPUMapMode, …) once; import before using them.
import { globals } from 'webgpu';

Object.assign(globalThis, globals);
