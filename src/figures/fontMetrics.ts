// Text widths from a TrueType font's advance widths (cmap format 4 + hmtx), so vega lays out text as resvg draws it.
import { readFileSync } from 'node:fs';

/** Advance widths of one TrueType font, in em units (1 = the font size). */
export interface FontMetrics {
  /** Width of `text` at font size 1 (sum of advance widths; kerning ignored). */
  width(text: string): number;
}

function tableOffsets(font: Buffer): Map<string, number> {
  const tables = new Map<string, number>();
  const count = font.readUInt16BE(4);
  for (let i = 0; i < count; i++) {
    const record = 12 + 16 * i;
    tables.set(font.toString('latin1', record, record + 4), font.readUInt32BE(record + 8));
  }
  for (const tag of ['head', 'hhea', 'hmtx', 'cmap']) {
    if (!tables.has(tag)) throw new Error(`font has no ${tag} table`);
  }
  return tables;
}

/** Glyph id lookup from the Unicode BMP cmap subtable (format 4). */
function glyphLookup(font: Buffer, cmap: number): (codePoint: number) => number {
  const subtables = font.readUInt16BE(cmap + 2);
  let format4 = -1;
  for (let i = 0; i < subtables; i++) {
    const record = cmap + 4 + 8 * i;
    const platform = font.readUInt16BE(record);
    const encoding = font.readUInt16BE(record + 2);
    const offset = cmap + font.readUInt32BE(record + 4);
    if (((platform === 3 && encoding === 1) || platform === 0) && font.readUInt16BE(offset) === 4) { format4 = offset; break; }
  }
  if (format4 < 0) throw new Error('font has no Unicode cmap subtable of format 4');
  const segments = font.readUInt16BE(format4 + 6) / 2;
  const endCodes = format4 + 14;
  const startCodes = endCodes + 2 * segments + 2;
  const deltas = startCodes + 2 * segments;
  const rangeOffsets = deltas + 2 * segments;
  return (codePoint) => {
    if (codePoint > 0xffff) return 0;
    for (let i = 0; i < segments; i++) {
      if (codePoint > font.readUInt16BE(endCodes + 2 * i)) continue;
      const start = font.readUInt16BE(startCodes + 2 * i);
      if (codePoint < start) return 0;
      const delta = font.readInt16BE(deltas + 2 * i);
      const rangeOffset = font.readUInt16BE(rangeOffsets + 2 * i);
      if (rangeOffset === 0) return (codePoint + delta) & 0xffff;
      const glyph = font.readUInt16BE(rangeOffsets + 2 * i + rangeOffset + 2 * (codePoint - start));
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };
}

/** Reads the advance widths of a TrueType (.ttf) file. */
export function loadFontMetrics(path: string): FontMetrics {
  const font = readFileSync(path);
  const tables = tableOffsets(font);
  const unitsPerEm = font.readUInt16BE(tables.get('head')! + 18);
  const horizontalMetrics = font.readUInt16BE(tables.get('hhea')! + 34);
  const hmtx = tables.get('hmtx')!;
  const glyphOf = glyphLookup(font, tables.get('cmap')!);
  const cache = new Map<number, number>();
  const advance = (codePoint: number): number => {
    let width = cache.get(codePoint);
    if (width === undefined) {
      const glyph = Math.min(glyphOf(codePoint), horizontalMetrics - 1);
      width = font.readUInt16BE(hmtx + 4 * glyph) / unitsPerEm;
      cache.set(codePoint, width);
    }
    return width;
  };
  return {
    width(text: string): number {
      let total = 0;
      for (const character of text) total += advance(character.codePointAt(0)!);
      return total;
    },
  };
}
