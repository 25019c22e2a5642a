// The packed package in a fresh project: what the tarball holds, the Node example type-checked and run (a short
// training and an evaluation, checked against the float64 reference), and the browser example type-checked and bundled.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO, evaluateBaseline, evaluateLara, loadPolicy } from '../src/index.js';
import { inProject, packedProject, TSC, VITE, type PackedProject } from './helpers/packedProject.js';

let project: PackedProject;
beforeAll(() => { project = packedProject(); }, 300_000);

describe('the packed package', () => {
  it('holds the entry points, their declarations, shaders, scenarios and docs, and nothing of the repository besides', () => {
    for (const file of ['package.json', 'README.md', 'CHANGELOG.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/index.browser.d.ts',
      'dist/browser/index.js', 'dist/src/cli/main.js', 'shaders/lara_act.wgsl', 'scenarios/default.json']) {
      expect(project.files, file).toContain(file);
    }
    const allowed = /^(package\.json|README\.md|CHANGELOG\.md|dist\/(src|bench|browser)\/.+|shaders\/.+\.wgsl|scenarios\/.+\.json)$/;
    expect(project.files.filter((f) => !allowed.test(f))).toEqual([]);
    expect(project.files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('runs the Node example: trains, writes a checkpoint, evaluates with the gap to OPT as the reference computes it', async () => {
    inProject(project, process.execPath, [TSC, '-p', 'tsconfig.json'], 'node');
    const scenarioFile = join(project.dir, 'node_modules/megc-webgpu/scenarios/default.json');
    const out = inProject(project, process.execPath, ['build/train.js', '10', '64', scenarioFile], 'node');
    expect(out).toContain('iteration 10/10');
    // The checkpoint it wrote: LARA's mean from the float64 actor on the CPU, OPT's from the GPU (float32).
    const policy = loadPolicy(readFileSync(join(project.dir, 'node/checkpoint.safetensors')));
    expect(policy.iteration).toBe(10);
    const reference = await evaluateLara(policy, { slots: 64 });
    const printed = (name: string) => Number(new RegExp(`${name} L_total ([0-9.]+) s`).exec(out)![1]);
    expect(printed('LARA')).toBeCloseTo(reference.lara.total, 5);  // printed to 6 decimals, the same float64 arithmetic
    expect(printed('FRA')).toBeCloseTo(reference.fra.total, 3);  // GPU float32 sums of 64 latencies of ~6 s
    expect(printed('OPT')).toBeCloseTo((await evaluateBaseline(DEFAULT_SCENARIO, 'opt', { slots: 64 })).total, 3);  // float32 OPT
    expect(out).toMatch(/LARA's gap to OPT: -?[0-9.]+% on 64 slots after 10 iterations/);
  });

  it('bundles the browser example with vite from the browser entry (no Node modules, shaders inlined)', () => {
    inProject(project, process.execPath, [TSC, '-p', 'tsconfig.json'], 'browser');
    inProject(project, process.execPath, [VITE, 'build', '--logLevel', 'warn', '--outDir', 'dist'], 'browser');
    const assets = join(project.dir, 'browser/dist/assets');
    const bundle = readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(assets, f), 'utf8')).join('\n');
    expect(bundle).not.toMatch(/node:(fs|path|url)|dawn\.node/);
    expect(bundle).toContain('@compute');  // the WGSL kernels travel in the bundle
    expect(bundle).toContain('training diverged at iteration');  // and the trainer that the example calls
  });
});
