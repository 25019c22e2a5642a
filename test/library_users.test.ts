// The web page and the command line as users of the library API (docs/API.md "Who uses it"): the page imports nothing
// of src/ but the browser entry; the CLI takes from src/index.ts whatever the API offers, and reaches past it only into
// the modules listed below, each for a concern of its own. Read from the import statements, no GPU.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

interface Import { file: string; specifier: string; names: string[] }

/** The module specifiers of a file's imports, re-exports and dynamic imports, with the names each takes. */
function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: Import[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const names: string[] = [];
      const bindings = ts.isImportDeclaration(node) ? node.importClause?.namedBindings : node.exportClause;
      if (bindings && (ts.isNamedImports(bindings) || ts.isNamedExports(bindings))) {
        for (const e of bindings.elements) names.push((e.propertyName ?? e.name).text);
      }
      if (ts.isImportDeclaration(node) && (node.importClause?.name || (bindings && ts.isNamespaceImport(bindings)))) names.push('*');
      if (ts.isExportDeclaration(node) && !node.exportClause) names.push('*');
      found.push({ file, specifier: node.moduleSpecifier.text, names });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      found.push({ file, specifier: node.arguments[0].text, names: ['*'] });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const tsFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
/** The repository path a relative specifier names (`.js` as the `.ts` it compiles from; a query such as `?raw` dropped). */
const target = (i: Import) => relative(ROOT, resolve(dirname(i.file), i.specifier.replace(/\?.*$/, '')).replace(/\.js$/, '.ts'));
const where = (i: Import) => `${relative(ROOT, i.file)}: ${i.specifier}`;

describe('the web page', () => {
  const WEB = join(ROOT, 'web/src');

  it('imports nothing of src/ but the browser entry src/index.browser.ts (and its own modules, npm packages, the scenario files)', () => {
    const imports = tsFiles(WEB).flatMap(importsOf);
    const outside = imports.filter((i) => i.specifier.startsWith('.') && !target(i).startsWith('web/src/'));
    const refused = outside.filter((i) => target(i) !== 'src/index.browser.ts' && !/^scenarios\/[\w-]+\.json$/.test(target(i)));
    expect(refused.map(where)).toEqual([]);
    expect(outside.some((i) => target(i) === 'src/index.browser.ts')).toBe(true);
  });
});

describe('the command line', () => {
  const CLI = join(ROOT, 'src/cli');
  /**
   * The modules of src/ (and bench/) the CLI reaches past the API for, and why: what the API leaves to its callers
   * (files, CSV streams, signals, run directories, tuning, the bench) or what the API does not compute (megc solve's
   * OPT latencies, megc eval's policy registry).
   */
  const ALLOWED: Record<string, string> = {
    'bench/suite.ts': 'megc bench: the whole suite, its table and JSON report',
    'bench/peers/race.ts': 'megc bench --peers: the race against the JAX peer',
    'src/env/evaluate.ts': "megc eval's policy registry (fra, rra, opt and trained-actor directories by name) on a Gpu, OPT's CPU slice",
    'src/env/gpu.ts': "megc solve: OPT's GPU solver with the latencies it found",
    'src/env/opt.ts': "megc solve: OPT's CPU solver with the latencies it found",
    'src/env/gpuRange.ts': "CSV rows outside the GPU's float32 range, refused naming the file and line",
    'src/env/validate.ts': 'CSV rows outside the model, refused naming the file and line',
    'src/env/scenarioUniform.ts': "a scenario outside the GPU's float32 range, refused before streaming",
    'src/errors.ts': 'Interrupted: a command stopped by a signal and its exit code',
    'src/figures/pipeline.ts': 'megc figures: runs, tables, SVG and PNG files',
    'src/gpu/profiler.ts': "megc bench --profile: the per-kernel table",
    'src/platform/host.ts': "megc info: a CPU adapter's thread count (LP_NUM_THREADS, a Node host setting)",
    'src/gpu/runtime.ts': 'the Gpu of a CSV stream or an evaluation: its errors checked between chunks, destroyed after',
    'src/gpu/tuner.ts': '--tune: the tuning modes',
    'src/io/atomic.ts': 'files written atomically',
    'src/io/csvParse.ts': 'CSV input',
    'src/io/csvStream.ts': 'CSV streamed in chunks',
    'src/io/inputFile.ts': 'bounded input files',
    'src/io/outputs.ts': 'output paths checked against the inputs',
    'src/json.ts': "strict JSON of --tune's config.json",
    'src/signals.ts': 'signals and their exit codes',
    'src/textTable.ts': 'the result tables',
    'src/train/checkpoint.ts': 'checkpoints by path (a run directory or its checkpoint.safetensors)',
    'src/train/config.ts': 'MAX_ITERATIONS, the bound of --episodes',
    'src/train/kernelChoices.ts': '--tune: the kernel choices of a run',
    'src/train/plans.ts': "--tune DIR: a run's recorded kernel plans",
    'src/train/policy.ts': 'trained-actor directories as policies of megc eval',
    'src/train/run.ts': 'megc train: a run directory (metrics.csv, periodic checkpoints, resume, evaluation.json)',
    'src/train/runDirectory.ts': "the run directory's files",
    'src/train/worldActor.ts': "a world's trained actor as a policy of megc eval",
    'src/version.ts': "the package's version in bench reports",
    'src/world/evaluate.ts': "megc eval's world policy registry and a world's default evaluation set",
    'src/world/opt/policies.ts': "megc eval's OPT and association policies on a world, with their bounds",
    'src/world/world.ts': "requireLetter: a world refused naming the command",
    'src/yieldToEvents.ts': 'CSV streams yield to signals between chunks',
  };
  /** Names the API exports that a module of ALLOWED exports too, for another job. */
  const SAME_NAME_OTHER_JOB: Record<string, string> = {
    'src/train/checkpoint.ts#loadPolicy': 'reads a checkpoint by path; the API reads bytes',
    'src/env/evaluate.ts#evaluatePolicy': "evaluates any policy of megc eval's registry on a Gpu; the API a trained policy",
    'src/train/run.ts#TrainingProgress': "a run's progress as megc train prints it (the episode's means, samples/s); the API's is a chunk's rows",
  };
  const imports = tsFiles(CLI).flatMap(importsOf).filter((i) => i.specifier.startsWith('.') && !target(i).startsWith('src/cli/'));

  it('reaches past src/index.ts only into the modules it has a reason for', () => {
    expect(imports.filter((i) => target(i) !== 'src/index.ts' && !ALLOWED[target(i)]).map(where)).toEqual([]);
    // No stale entries: every module listed is imported.
    expect(Object.keys(ALLOWED).filter((m) => !imports.some((i) => target(i) === m))).toEqual([]);
  });

  it('takes from src/index.ts every name the API exports', () => {
    const program = ts.createProgram([join(ROOT, 'src/index.ts')], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true, skipLibCheck: true });
    const checker = program.getTypeChecker();
    const api = new Set(checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(join(ROOT, 'src/index.ts'))!)!).map((s) => s.name));
    expect(api.has('trainLara')).toBe(true);
    const past = imports.filter((i) => target(i) !== 'src/index.ts')
      .flatMap((i) => i.names.filter((n) => api.has(n) && !SAME_NAME_OTHER_JOB[`${target(i)}#${n}`]).map((n) => `${where(i)} ${n}`));
    expect(past).toEqual([]);
    expect(imports.filter((i) => i.names.includes('*') && target(i) !== 'src/index.ts' && !target(i).startsWith('bench/')).map(where)).toEqual([]);
  });
});
