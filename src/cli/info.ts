// `megc info`: the WebGPU adapter, the limits and features that matter, and whether it is a software adapter (with its
// threads).
import { Option, type Command } from 'commander';
import { adapterOf, listAdapters, openDevice } from '../index.js';
import { cpuAdapterThreads } from '../platform/host.js';
import { action, adapterOption } from './common.js';

const LIMITS = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupsPerDimension', 'maxStorageBuffersPerShaderStage',
] as const;
const FEATURES = ['timestamp-query', 'shader-f16', 'subgroups', 'chromium-experimental-subgroup-matrix'];

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('show the WebGPU adapter, its limits and features')
    .addOption(adapterOption())
    .addOption(new Option('--json', 'print one JSON object'))
    .action(action(async (opts: { adapter?: string; json?: boolean }) => {
      const adapters = (await listAdapters()).map((a) => a.name);
      const device = await openDevice({ adapter: opts.adapter });
      try {
        const { name, ...adapter } = adapterOf(device);
        const limits = Object.fromEntries(LIMITS.map((k) => [k, device.limits[k]]));
        // openDevice asks for each of FEATURES that the adapter has: the device's are the adapter's.
        const features = FEATURES.filter((f) => device.features.has(f));
        // A CPU adapter's threads (LP_NUM_THREADS as gpuEntry set it): its kernels' speed and tuned choices depend on them.
        const threads = adapter.isSoftware ? cpuAdapterThreads() : undefined;
        const report = { adapter, limits, features, adapters, node: process.version, ...(threads ? { cpuAdapterThreads: threads } : {}) };
        if (opts.json) { console.log(JSON.stringify(report, null, 2)); return; }
        console.log(`adapter:  ${name}`);
        console.log(`software: ${adapter.isSoftware ? `yes (CPU emulation; expect low throughput${threads ? `; ${threads} threads, LP_NUM_THREADS` : ''})` : 'no'}`);
        for (const [k, v] of Object.entries(limits)) console.log(`  ${k.padEnd(34)} ${v}`);
        console.log(`features: ${features.join(', ') || '(none of interest)'}`);
        console.log(`all adapters: ${adapters.join('; ')}`);
      } finally {
        device.destroy();
      }
    }));
}
