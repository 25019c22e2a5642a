// `megc train --tune` and `--profile` through the built CLI: bad values and forged plans refused in one line, a plans
// file repeated, and the per-kernel table printed after training.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../src/io/safetensorsFile.js';
import { ensureBuilt, errorLines, megc } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'megc-tune-'));
const tiny = ['--envs', '16', '--batch', '16', '--hidden', '8,8', '--iterations', '12', '--iterations-per-submit', '4', '--eval-slots', '64', '--updates', '1'];

describe('megc train --tune, --profile', () => {
  it('refuses a --tune that is neither a mode nor a run with plans, in one line, exit 2, writing nothing', () => {
    ensureBuilt();
    const nonsense = megc(['train', ...tiny, '--out', join(dir, 'a'), '--tune', 'fastest']);
    expect(nonsense.status).toBe(2);
    expect(nonsense.stderr.trim()).toBe(`megc: error: --tune fastest: not off, quick or full, and no such run directory or config.json`);
    const noPlans = join(dir, 'config.json');
    writeFileSync(noPlans, JSON.stringify({ train: {}, device: 'cpu' }));
    const cpu = megc(['train', ...tiny, '--out', join(dir, 'b'), '--tune', noPlans]);
    expect(cpu.status).toBe(2);
    expect(cpu.stderr.trim()).toBe(`megc: error: --tune ${noPlans}: ${noPlans} records no kernel plans (a CPU run, or one from before tuning)`);
    const forged = join(dir, 'forged.json');
    writeFileSync(forged, JSON.stringify({ tuning: { plans: { actor: [], critic: [], reduce: { subgroups: false } } } }));
    const bad = megc(['train', ...tiny, '--out', join(dir, 'c'), '--tune', forged]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^megc: error: .*forged\.json: kernel plans: actor: /);
    for (const out of ['a', 'b', 'c']) expect(existsSync(join(dir, out))).toBe(false);
  });

  it('--tune DIR repeats a run bit for bit; --profile prints the per-kernel table', () => {
    const first = join(dir, 'first');
    expect(megc(['train', ...tiny, '--out', first, '--tune', 'quick', '--no-eval']).status).toBe(0);
    const again = join(dir, 'again');
    const r = megc(['train', ...tiny, '--out', again, '--tune', first, '--no-eval', '--profile']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/per-kernel profile over 12 iterations/);
    // What timing each dispatch in a pass of its own adds, measured on an empty dispatch.
    expect(r.stdout).toMatch(/^each dispatch is timed in a compute pass of its own; an empty dispatch timed so takes \d+\.\d us here/m);
    // The act's row, whichever update the tuner kept (the fused path's act computes the actor's forward itself; the
    // persistent trainer acts inside its one dispatch per submit of 4 iterations).
    expect(r.stdout).toMatch(/^(lara_act +lara\.act|lara_act_(forward|lanes) +lara\.actForward) +1\.00 |^lara_persistent +lara\.persistent +0\.25 /m);
    const plans = (run: string) => JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).tuning.plans;
    expect(plans(again)).toEqual(plans(first));
    // Profiling changes how dispatches are encoded, not what they compute: every tensor of the checkpoint is the same.
    const tensors = (run: string) => readSafetensors(join(run, 'checkpoint.safetensors')).tensors;
    const [a, b] = [tensors(first), tensors(again)];
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    expect(Object.keys(a).length).toBeGreaterThan(20);
    for (const name of Object.keys(a)) {
      expect(b[name].shape, name).toEqual(a[name].shape);
      expect(Buffer.from(b[name].data.buffer, b[name].data.byteOffset, b[name].data.byteLength)
        .equals(Buffer.from(a[name].data.buffer, a[name].data.byteOffset, a[name].data.byteLength)), name).toBe(true);
    }

    // A recorded fused update or act that cannot run here is refused in one line naming it, before anything is written.
    const config = JSON.parse(readFileSync(join(first, 'config.json'), 'utf8'));
    const forge = (fused: object, extra: string[] = []) => {
      const path = join(dir, 'forged-fused.json');
      writeFileSync(path, JSON.stringify({ ...config, tuning: { ...config.tuning, plans: { ...config.tuning.plans, fused } } }));
      return megc(['train', ...tiny, '--out', join(dir, 'f'), '--tune', path, ...extra]);
    };
    for (const [fused, extra, why] of [
      [{ rows: 4, rowsPerWorkgroup: 6 }, [], /kernel plans: fused\.rowsPerWorkgroup: 6 rows per workgroup are not blocks of 4$/],
      [{ rows: 256, rowsPerWorkgroup: 256 }, [], /kernel plans: fused: \d+ bytes of workgroup memory, more than \d+$/],
      [{ rows: 4, rowsPerWorkgroup: 8 }, ['--gamma', '0.9'], /kernel plans: fused: gamma > 0 \(the critic target needs the target networks\)$/],
      [{ rows: 256, rowsPerWorkgroup: 256, lanes: true }, [], /kernel plans: fused: \d+ bytes of one network's activations in a function, more than WGSL's 8192$/],
      [{ rows: 2, rowsPerWorkgroup: 8, lanes: true }, [], /kernel plans: fused: lane rows not a multiple of 4 \(a column of rows is whole vectors\)$/],
      [{ rows: 4, rowsPerWorkgroup: 8, subgroups: true }, [], /kernel plans: fused: subgroups without lanes$/],
      [{ rows: 4, rowsPerWorkgroup: 64, lanes: true, subgroups: true }, [], /kernel plans: fused: a workgroup of 16 invocations, more than the adapter's smallest subgroup \(8\)$/],
      [{ rows: 4, rowsPerWorkgroup: 8, lanes: true, weightPass: true }, [], /kernel plans: fused: a weight pass with lanes \(the lane kernels write their own slices\)$/],
      [{ rows: 4, rowsPerWorkgroup: 8, act: true, persistent: true }, [], /kernel plans: fused: persistent without lanes \(its passes are the lane kernels'\)$/],
      [{ rows: 4, rowsPerWorkgroup: 8, lanes: true, persistent: true }, [], /kernel plans: fused: persistent without act \(it acts itself\)$/],
      [{ rows: 4, rowsPerWorkgroup: 8, lanes: true, act: true, persistent: true }, ['--iterations-per-submit', '300'],
        /kernel plans: fused: a Step ring of 76800 bytes bound whole, more than this GPU's maxUniformBufferBindingSize 65536 \(fewer iterationsPerSubmit\)$/],
      [{ rows: 4, rowsPerWorkgroup: 8, act: true, foldAdam: true }, [], /kernel plans: fused: folded Adam without lanes \(its passes are the lane kernels'\)$/],
      [{ rows: 4, rowsPerWorkgroup: 8, lanes: true, act: true, persistent: true, foldAdam: true }, [],
        /kernel plans: fused: folded Adam with the persistent trainer \(which takes its Adam steps itself\)$/],
      [{ rows: 4, rowsPerWorkgroup: 16, blocks: 2 }, [], /kernel plans: fused: blocks without lanes \(a lane invocation takes its blocks of rows one after the other\)$/],
      [{ rows: 4, rowsPerWorkgroup: 16, lanes: true, act: true, persistent: true, blocks: 2 }, [],
        /kernel plans: fused: blocks with the persistent trainer \(which takes its rows in passes of its own\)$/],
      [{ rows: 4, rowsPerWorkgroup: 12, lanes: true, blocks: 2 }, [], /kernel plans: fused: rows per workgroup not a multiple of the lane rows times the blocks$/],
      [{ rows: 4, rowsPerWorkgroup: 8, lanes: true, act: true, foldAdam: true }, ['--updates', '3'],
        /kernel plans: fused: folded Adam at 3 updates per iteration \(an even count brings each network back to its own buffers\)$/],
    ] as const) {
      const r = forge(fused, [...extra]);
      expect(r.status, r.stderr).toBe(2);
      // One line of megc's (Dawn's own warnings on opening the GPU aside).
      expect(errorLines(r.stderr)).toHaveLength(1);
      expect(errorLines(r.stderr)[0]).toMatch(why);
      expect(existsSync(join(dir, 'f'))).toBe(false);
    }
  });
});
