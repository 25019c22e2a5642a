// Loads WGSL kernels from shaders/ at run time: `#include "file.wgsl"`, wgsl-preprocessor `#if ${NAME}` variants,
// and compile errors reported with the original file and line.
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { ShaderCompileError } from '../errors.js';
import { readShaderFile, shaderFileId } from '../platform/host.js';

/** shaders/ of the package (Node: a directory on disk; the web page: the bundled files). */
export { SHADER_DIR } from '../platform/host.js';

export type ShaderDefines = Record<string, boolean | number | string>;

/** A piece of the expanded source: output lines [start, start+count) come from `file` starting at `fileLine`. */
interface LineSpan { start: number; count: number; file: string; fileLine: number }

export interface ShaderSource {
  name: string;
  code: string;
  spans: LineSpan[];
}

const INCLUDE = /^\s*#include\s+"([^"]+)"\s*$/;

function expandIncludes(path: string, spans: LineSpan[], out: string[], stack: string[], included: Set<string>): void {
  const full = shaderFileId(path);
  if (stack.includes(full)) throw new ShaderCompileError(`${path}: recursive #include`);
  // Include-once: a library pulled in by two files is expanded the first time only.
  if (included.has(full)) return;
  included.add(full);
  let text: string;
  try { text = readShaderFile(full); } catch { throw new ShaderCompileError(`shader file not found: shaders/${path}`); }
  const lines = text.split('\n');
  let runStart = out.length;
  let runFileLine = 1;
  const flush = (fileLineNext: number) => {
    if (out.length > runStart) spans.push({ start: runStart, count: out.length - runStart, file: path, fileLine: runFileLine });
    runStart = out.length; runFileLine = fileLineNext;
  };
  lines.forEach((line, i) => {
    const m = INCLUDE.exec(line);
    if (m) {
      flush(i + 2);
      expandIncludes(m[1], spans, out, [...stack, full], included);
      runStart = out.length; runFileLine = i + 2;
    } else out.push(line);
  });
  flush(lines.length + 1);
}

/** Runs wgsl-preprocessor over `code`, substituting `${NAME}` from defines; keeps line structure for #if lines. */
function preprocess(name: string, code: string, defines: ShaderDefines): string {
  const strings: string[] = [];
  const values: unknown[] = [];
  const re = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
  let last = 0;
  for (let m = re.exec(code); m; m = re.exec(code)) {
    if (!(m[1] in defines)) throw new ShaderCompileError(`shaders/${name}: undefined preprocessor value \${${m[1]}}`);
    strings.push(code.slice(last, m.index));
    values.push(defines[m[1]]);
    last = m.index + m[0].length;
  }
  strings.push(code.slice(last));
  const raw = Object.assign([...strings], { raw: strings }) as unknown as TemplateStringsArray;
  return wgsl(raw, ...values);
}

/**
 * Loads shaders/NAME with its includes. Preprocessor directives (#if/#elif/#else/#endif) remove lines, so the
 * line map is built from the expanded source before preprocessing and only used when no #if is present;
 * otherwise errors name the file and the line of the preprocessed text.
 */
export function loadShader(name: string, defines: ShaderDefines = {}): ShaderSource {
  const spans: LineSpan[] = [];
  const lines: string[] = [];
  expandIncludes(name, spans, lines, [], new Set());
  const expanded = lines.join('\n');
  const hasDirectives = /^\s*#(if|elif|else|endif)\b/m.test(expanded);
  // Directive lines are blanked rather than removed where possible so line numbers survive.
  const code = hasDirectives ? preprocessKeepingLines(name, lines, defines) : preprocess(name, expanded, defines);
  return { name, code, spans };
}

/** Evaluates #if blocks line by line, replacing removed lines with empty ones so the line map stays valid. */
function preprocessKeepingLines(name: string, lines: string[], defines: ShaderDefines): string {
  // Each line is prefixed with a marker naming its index; the kept lines come back with their marker.
  const marked = lines.map((l, i) => `\u0001${i}\u0001${l}`).join('\n');
  const processed = preprocess(name, marked, defines);
  const out = lines.map(() => '');
  const marker = /\u0001(\d+)\u0001/g;
  for (const l of processed.split('\n')) {
    let index = -1;
    let rest = '';
    for (let m = marker.exec(l); m; m = marker.exec(l)) { index = Number(m[1]); rest = l.slice(m.index + m[0].length); }
    if (index >= 0) out[index] = rest.replace(marker, '');
  }
  return out.join('\n');
}

/** Maps a 1-based line of the expanded source to "file:line". */
export function sourceLocation(src: ShaderSource, line: number): string {
  const zero = line - 1;
  for (const s of src.spans) {
    if (zero >= s.start && zero < s.start + s.count) return `shaders/${s.file}:${s.fileLine + zero - s.start}`;
  }
  return `shaders/${src.name}:${line}`;
}

const moduleCache = new WeakMap<GPUDevice, Map<string, Promise<GPUShaderModule>>>();

/**
 * The WGSL directives of each device feature a shader can use. Subgroup-matrix calls must be in subgroup-uniform
 * control flow, which Tint's analysis cannot prove for offsets derived from the subgroup index: its diagnostic is off
 * (as in ONNX Runtime's and llama.cpp's WebGPU kernels); lib/matrix_tile.wgsl keeps every call subgroup-uniform.
 */
const ENABLES: Record<string, string> = {
  'shader-f16': 'enable f16;',
  subgroups: 'enable subgroups;',
  'chromium-experimental-subgroup-matrix': 'enable chromium_experimental_subgroup_matrix; diagnostic(off, chromium.subgroup_matrix_uniformity);',
};

/**
 * Compiles a shader once per device, set of defines and enabled features; compile errors throw ShaderCompileError
 * naming file:line. `features` (e.g. 'shader-f16', 'subgroups') become `enable` directives on a line of their own
 * before the source, so line numbers in errors still match the file.
 */
export function compileShader(device: GPUDevice, name: string, defines: ShaderDefines = {}, features: readonly string[] = []): Promise<GPUShaderModule> {
  let cache = moduleCache.get(device);
  if (!cache) { cache = new Map(); moduleCache.set(device, cache); }
  const key = `${name}|${JSON.stringify(defines)}|${features.join(',')}`;
  let promise = cache.get(key);
  if (!promise) {
    promise = (async () => {
      const src = loadShader(name, defines);
      const enables = features.map((f) => {
        if (!ENABLES[f]) throw new ShaderCompileError(`shaders/${name}: no WGSL extension for the feature ${f}`);
        return ENABLES[f];
      });
      // One line, so that the source's line numbers are unchanged; the first line of every shader is a comment.
      const code = enables.length > 0 ? `${enables.join(' ')} ${src.code}` : src.code;
      // In an error scope: a shader that does not compile is this function's exception, not an uncaptured device error.
      device.pushErrorScope('validation');
      const module = device.createShaderModule({ label: name, code });
      const info = await module.getCompilationInfo();
      await device.popErrorScope();
      const errors = info.messages.filter((m) => m.type === 'error');
      if (errors.length > 0) {
        const m = errors[0];
        throw new ShaderCompileError(`${sourceLocation(src, m.lineNum)}:${m.linePos}: ${m.message}` +
          (errors.length > 1 ? ` (and ${errors.length - 1} more errors)` : ''));
      }
      return module;
    })();
    promise.catch(() => cache!.delete(key));
    cache.set(key, promise);
  }
  return promise;
}
