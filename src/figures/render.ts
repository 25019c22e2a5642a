// Figure rendering: a vega-lite spec becomes an SVG (vega, headless) and a PNG (resvg with the bundled DejaVu fonts).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import { loadFontMetrics, type FontMetrics } from './fontMetrics.js';
import { FIGURE_FONT } from './specs.js';

const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf'];

let fontFilesCache: string[] | undefined;

/** Paths of the TTF files resvg loads (from the dejavu-fonts-ttf package, so no system font is needed). */
export function figureFontFiles(): string[] {
  if (fontFilesCache) return fontFilesCache;
  const require = createRequire(import.meta.url);
  const packageDirectory = dirname(require.resolve('dejavu-fonts-ttf/package.json'));
  const files = FONT_FILES.map((name) => join(packageDirectory, 'ttf', name));
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length > 0) throw new Error(`figure fonts missing: ${missing.join(', ')} (reinstall dejavu-fonts-ttf)`);
  fontFilesCache = files;
  return files;
}

/** The text item fields vega passes to its text width function. */
interface TextItem { text?: unknown; fontSize?: number | string; fontWeight?: string | number }
type TextWidth = (item: TextItem, text?: unknown) => number;

let metricsInstalled = false;

/**
 * Makes vega measure text with the advance widths of the fonts resvg draws with (vega without a canvas estimates
 * 0.8 em a character, too wide for DejaVu Sans: legends get cut and figures get empty margins). Kerning is ignored.
 */
function installTextMetrics(): void {
  if (metricsInstalled) return;
  const [regularFile, boldFile] = figureFontFiles();
  const regular: FontMetrics = loadFontMetrics(regularFile);
  const bold: FontMetrics = loadFontMetrics(boldFile);
  const width: TextWidth = (item, text) => {
    const value = text ?? item.text;
    const lines = Array.isArray(value) ? value.map(String) : [value == null ? '' : String(value)];
    const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
    const isBold = item.fontWeight === 'bold' || Number(item.fontWeight) >= 600;
    return Math.max(0, ...lines.map((line) => (isBold ? bold : regular).width(line.trim()) * size));
  };
  const textMetrics = (vega as unknown as { textMetrics?: { width: TextWidth } }).textMetrics;
  if (!textMetrics) throw new Error('vega does not export textMetrics; cannot measure text');
  textMetrics.width = width;
  metricsInstalled = true;
}

/** Compiles a vega-lite spec to vega and renders it headless to SVG text. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  installTextMetrics();
  const vegaSpec = compile(spec).spec;
  const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises SVG text to PNG bytes at `scale` times its size, with the bundled fonts only (deterministic). */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: {
      loadSystemFonts: false,
      fontFiles: figureFontFiles(),
      defaultFontFamily: FIGURE_FONT,
      sansSerifFamily: FIGURE_FONT,
    },
  });
  return resvg.render().asPng();
}
