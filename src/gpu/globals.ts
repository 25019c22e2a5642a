// Installs the WebGPU globals (GPUBufferUsage, GPUMapMode, …) once where the platform lacks them; import before using them.
import { installGpuGlobals } from '../platform/host.js';

installGpuGlobals();
