// A kernel's uniform parameters declared once, as data (field names and WGSL types): the WGSL struct text (a define,
// `${NAME_STRUCT}`), its size and offsets under WGSL's uniform layout rules, and the packer all come from the one list.

export type ScalarType = 'u32' | 'i32' | 'f32';
export type VectorType = `vec${2 | 3 | 4}<${ScalarType}>`;
/** A fixed-length array member; its element stride must be a multiple of 16 (uniform address space). */
export interface ArrayType { readonly element: VectorType | UniformStruct<Fields>; readonly length: number }
export type FieldType = ScalarType | VectorType | UniformStruct<Fields> | ArrayType;
export type Fields = { readonly [name: string]: FieldType };

/** The values a field takes: a number (a boolean is 0 or 1 in a u32), up to N numbers for a vector, nested values. */
export type ValueOf<T> = T extends ScalarType ? number | boolean
  : T extends VectorType ? readonly number[]
  : T extends UniformStruct<infer G> ? ValuesOf<G>
  : T extends { element: infer E } ? readonly ValueOf<E>[]
  : never;
export type ValuesOf<F extends Fields> = { [K in keyof F]: ValueOf<F[K]> };

const roundUp = (k: number, n: number) => Math.ceil(n / k) * k;

/** camelCase (TypeScript) to snake_case (WGSL): writeRow -> write_row. */
export const wgslName = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

interface Layout { align: number; size: number; text: string }

function vectorParts(t: VectorType): { n: number; scalar: ScalarType } {
  return { n: Number(t[3]), scalar: t.slice(5, -1) as ScalarType };
}

function layoutOf(t: FieldType): Layout {
  if (t === 'u32' || t === 'i32' || t === 'f32') return { align: 4, size: 4, text: t };
  if (typeof t === 'string') {
    const { n } = vectorParts(t);
    return { align: n === 2 ? 8 : 16, size: 4 * n, text: t };
  }
  if (t instanceof UniformStruct) return { align: roundUp(16, t.align), size: roundUp(16, t.size), text: t.name };
  const element = layoutOf(t.element);
  const stride = roundUp(element.align, element.size);
  if (stride % 16 !== 0) throw new RangeError(`uniform array of ${element.text}: its stride ${stride} is not a multiple of 16`);
  return { align: roundUp(16, element.align), size: stride * t.length, text: `array<${element.text}, ${t.length}>` };
}

/** One member: its WGSL name, byte offset and type. */
export interface Member { readonly name: string; readonly wgsl: string; readonly offset: number; readonly type: FieldType }

export class UniformStruct<F extends Fields> {
  readonly members: readonly Member[];
  /** Byte offset of each field. */
  readonly offsets: { readonly [K in keyof F]: number };
  readonly align: number;
  /** Bytes of the struct (WGSL's SizeOf: the end of the last member rounded up to the alignment). */
  readonly size: number;
  /** The WGSL declaration on one line (so that shader line numbers survive the substitution). */
  readonly wgsl: string;

  constructor(readonly name: string, readonly fields: F) {
    let offset = 0;
    let align = 4;
    const members: Member[] = [];
    const text: string[] = [];
    for (const [field, type] of Object.entries(fields)) {
      const l = layoutOf(type);
      offset = roundUp(l.align, offset);
      members.push({ name: field, wgsl: wgslName(field), offset, type });
      // Struct and array members are 16-aligned in the uniform address space: said explicitly, so that WGSL places them
      // where `offsets` says on every implementation (one with standard uniform layout places them naturally).
      const natural = type instanceof UniformStruct ? { align: type.align, size: type.size }
        : typeof type === 'object' ? { align: type.element instanceof UniformStruct ? type.element.align : layoutOf(type.element).align, size: l.size } : l;
      const attributes = `${natural.align !== l.align ? `@align(${l.align}) ` : ''}${natural.size !== l.size ? `@size(${l.size}) ` : ''}`;
      text.push(`${attributes}${wgslName(field)}: ${l.text}`);
      offset += l.size;
      align = Math.max(align, l.align);
    }
    this.members = members;
    this.offsets = Object.fromEntries(members.map((m) => [m.name, m.offset])) as { [K in keyof F]: number };
    this.align = align;
    this.size = roundUp(align, offset);
    this.wgsl = `struct ${name} { ${text.join(', ')} }`;
  }

  /** The define that carries the declaration: `Params` -> PARAMS_STRUCT, written `${PARAMS_STRUCT}` in the shader. */
  get defineName(): string { return `${wgslName(this.name).replace(/^_/, '').toUpperCase()}_STRUCT`; }

  /** Writes `values` at byte `offset` of `data`. */
  write(data: ArrayBuffer, offset: number, values: ValuesOf<F>): void {
    writeStruct(new DataView(data), offset, this as unknown as UniformStruct<Fields>, values as Record<string, unknown>, this.name);
  }

  /** The struct as a fresh buffer of `size` bytes rounded up to 16 (a uniform binding's granularity). */
  pack(values: ValuesOf<F>): ArrayBuffer {
    const data = new ArrayBuffer(roundUp(16, this.size));
    this.write(data, 0, values);
    return data;
  }
}

function writeScalar(view: DataView, offset: number, scalar: ScalarType, value: unknown, what: string): void {
  const x = typeof value === 'boolean' ? Number(value) : value;
  if (typeof x !== 'number') throw new RangeError(`${what}: expected a number, got ${String(value)}`);
  if (scalar === 'f32') { view.setFloat32(offset, x, true); return; }
  const [low, high] = scalar === 'u32' ? [0, 0xffffffff] : [-0x80000000, 0x7fffffff];
  if (!Number.isInteger(x) || x < low || x > high) throw new RangeError(`${what} must be an integer that fits ${scalar}, got ${x}`);
  if (scalar === 'u32') view.setUint32(offset, x, true); else view.setInt32(offset, x, true);
}

function writeField(view: DataView, offset: number, type: FieldType, value: unknown, what: string): void {
  if (type === 'u32' || type === 'i32' || type === 'f32') { writeScalar(view, offset, type, value, what); return; }
  if (typeof type === 'string') {
    const { n, scalar } = vectorParts(type);
    const v = value as readonly number[];
    if (!Array.isArray(v) || v.length > n) throw new RangeError(`${what}: expected at most ${n} numbers`);
    v.forEach((x, i) => writeScalar(view, offset + 4 * i, scalar, x, `${what}[${i}]`));
    return;
  }
  if (type instanceof UniformStruct) { writeStruct(view, offset, type, value as Record<string, unknown>, what); return; }
  const items = value as readonly unknown[];
  if (!Array.isArray(items) || items.length > type.length) throw new RangeError(`${what}: expected at most ${type.length} entries`);
  const l = layoutOf(type.element);
  const stride = roundUp(l.align, l.size);
  items.forEach((item, i) => writeField(view, offset + i * stride, type.element, item, `${what}[${i}]`));
}

function writeStruct(view: DataView, offset: number, s: UniformStruct<Fields>, values: Record<string, unknown>, what: string): void {
  for (const m of s.members) {
    if (!(m.name in values)) throw new RangeError(`${what}: no value for ${m.name}`);
    writeField(view, offset + m.offset, m.type, values[m.name], `${what}.${m.name}`);
  }
}

/** Declares a uniform struct: `uniformStruct('Params', { batch: 'u32', tau: 'f32' })`; field order is member order. */
export function uniformStruct<F extends Fields>(name: string, fields: F): UniformStruct<F> {
  return new UniformStruct(name, fields);
}

/** The defines that declare `structs` in a shader (`${PARAMS_STRUCT}` ...). */
export function structDefines(structs: readonly UniformStruct<Fields>[]): Record<string, string> {
  return Object.fromEntries(structs.map((s) => [s.defineName, s.wgsl]));
}
