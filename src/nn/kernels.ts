// All neural-network kernels of one device, built once and shared by every GpuMlp.
import { AdamKernel } from './adam.js';
import { LinearKernels } from './linear.js';
import { MseLossKernel } from './mseLoss.js';
import { SoftUpdateKernel } from './softUpdate.js';

export class NnKernels {
  private constructor(
    readonly device: GPUDevice,
    readonly linear: LinearKernels,
    readonly adam: AdamKernel,
    readonly mseLoss: MseLossKernel,
    readonly softUpdate: SoftUpdateKernel,
  ) {}

  static async create(device: GPUDevice): Promise<NnKernels> {
    const [adam, mseLoss, softUpdate] = await Promise.all([AdamKernel.create(device), MseLossKernel.create(device), SoftUpdateKernel.create(device)]);
    return new NnKernels(device, LinearKernels.create(device), adam, mseLoss, softUpdate);
  }
}
