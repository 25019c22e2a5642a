// Reading vega's SVG output back for tests: strict XML parse, marks, path points, texts; and the checks of each figure.
import { readFileSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { expect } from 'vitest';

export interface SvgElement {
  tag: string;
  attributes: Record<string, string>;
  children: SvgElement[];
  /** Concatenated text of the element's own text nodes. */
  text: string;
  /** Classes of this element and every enclosing element, innermost first. */
  classPath: string[];
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

/** Parses SVG text strictly (XMLValidator must accept it) into a tree; throws with the validator's message otherwise. */
export function parseSvg(svg: string): SvgElement {
  const valid = XMLValidator.validate(svg);
  if (valid !== true) throw new Error(`SVG is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', trimValues: false });
  const nodes = parser.parse(svg) as OrderedNode[];
  const build = (node: OrderedNode, classes: string[]): SvgElement | null => {
    const tag = Object.keys(node).find((key) => key !== ':@');
    if (!tag || tag === '#text' || tag.startsWith('?')) return null;
    const attributes = { ...(node[':@'] ?? {}) };
    const classPath = attributes.class ? [attributes.class, ...classes] : classes;
    const kids = (node[tag] as OrderedNode[]) ?? [];
    const text = kids.filter((k) => '#text' in k).map((k) => String(k['#text'])).join('');
    const children = kids.map((k) => build(k, classPath)).filter((e): e is SvgElement => e !== null);
    return { tag, attributes, children, text, classPath };
  };
  const root = nodes.map((n) => build(n, [])).find((e) => e?.tag === 'svg');
  if (!root) throw new Error('no <svg> root element');
  return root;
}

/** Every element below `root` (depth first, document order). */
export function allElements(root: SvgElement): SvgElement[] {
  const out: SvgElement[] = [];
  const walk = (e: SvgElement) => { out.push(e); e.children.forEach(walk); };
  walk(root);
  return out;
}

/** Elements directly inside a group whose class contains every word of `classWords` (e.g. "mark-line role-mark"). */
export function marksIn(root: SvgElement, classWords: string): SvgElement[] {
  const words = classWords.split(' ');
  return allElements(root).filter((e) => e.tag !== 'g' && e.classPath.length > 0 && !e.attributes.class
    && words.every((w) => e.classPath[0].split(' ').includes(w)));
}

/** The text of an element and its descendants; lines (<tspan>s of a multi-line text) joined by newlines. */
export function deepText(element: SvgElement): string {
  return [element.text, ...element.children.map(deepText)].filter((t) => t !== '').join('\n');
}

/** Texts of the <text> elements inside groups of class `role` (e.g. "role-axis-title"). */
export function textsOf(root: SvgElement, role: string): string[] {
  return allElements(root).filter((e) => e.tag === 'text' && e.classPath.some((c) => c.split(' ').includes(role))).map(deepText);
}

const NUMBER = '[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?';

/** The vertices of a path made of M/L commands ("M0,1L2,3..."), as [x, y] pairs. */
export function pathPoints(d: string): [number, number][] {
  if (!new RegExp(`^(?:[ML]${NUMBER},${NUMBER})+Z?$`).test(d)) throw new Error(`not an M/L polyline path: ${d.slice(0, 80)}`);
  return [...d.matchAll(new RegExp(`[ML](${NUMBER}),(${NUMBER})`, 'g'))].map((m) => [Number(m[1]), Number(m[2])]);
}

/** A rect path "Mx,yhWvHh-WZ" as {x, y, width, height}. */
export function rectOf(d: string): { x: number; y: number; width: number; height: number } {
  const m = new RegExp(`^M(${NUMBER}),(${NUMBER})h(${NUMBER})v(${NUMBER})h${NUMBER}Z$`).exec(d);
  if (!m) throw new Error(`not a rect path: ${d.slice(0, 80)}`);
  return { x: Number(m[1]), y: Number(m[2]), width: Number(m[3]), height: Number(m[4]) };
}

/**
 * Least-squares fit pixel = offset + slope * value, and the largest residual in pixels: a scale that maps the
 * data linearly leaves residuals at the SVG's coordinate rounding (vega writes paths to 0.001 px).
 */
export function linearFit(values: readonly number[], pixels: readonly number[]): { offset: number; slope: number; worst: number } {
  const n = values.length;
  const meanV = values.reduce((s, v) => s + v, 0) / n;
  const meanP = pixels.reduce((s, p) => s + p, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (let i = 0; i < n; i++) { covariance += (values[i] - meanV) * (pixels[i] - meanP); variance += (values[i] - meanV) ** 2; }
  const slope = variance > 0 ? covariance / variance : 0;
  const offset = meanP - slope * meanV;
  const worst = Math.max(...values.map((v, i) => Math.abs(offset + slope * v - pixels[i])));
  return { offset, slope, worst };
}

/** Rows of a figure CSV as objects (numbers where the cell is numeric); the figure CSVs quote no cell. */
export function readTable(path: string): Record<string, string | number>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const names = header.split(',');
  return lines.map((line) => {
    expect(line.includes('"'), `${path}: unexpected quoted cell`).toBe(false);
    const cells = line.split(',');
    expect(cells.length, `${path}: row width`).toBe(names.length);
    return Object.fromEntries(names.map((n, i) => [n, cells[i] !== '' && Number.isFinite(Number(cells[i])) ? Number(cells[i]) : cells[i]]));
  });
}

/**
 * Checks a line-and-band figure: one line per series with one vertex per CSV row, vertices on one linear x scale
 * (episode) and one linear y scale (mean) shared by all series, and each band's outline on the same scales.
 */
export function checkLineFigure(svg: SvgElement, rows: Record<string, string | number>[], mean: string, low: string, high: string): void {
  const series = [...new Set(rows.map((r) => String(r.series)))];
  const lines = marksIn(svg, 'mark-line role-mark');
  const areas = marksIn(svg, 'mark-area role-mark');
  expect(lines.length, 'one line per series').toBe(series.length);
  expect(areas.length, 'one band per series').toBe(series.length);
  const episodes: number[] = []; const xs: number[] = []; const values: number[] = []; const ys: number[] = [];
  const bandValues: number[] = []; const bandYs: number[] = [];
  for (const name of series) {
    const seriesRows = rows.filter((r) => r.series === name);
    const line = lines.find((l) => l.attributes['aria-label'].endsWith(`: ${name}`));
    const area = areas.find((a) => a.attributes['aria-label'].endsWith(`: ${name}`));
    expect(line, `line of ${name}`).toBeDefined();
    expect(area, `band of ${name}`).toBeDefined();
    const points = pathPoints(line!.attributes.d);
    expect(points.length, `vertices of ${name}`).toBe(seriesRows.length);
    points.forEach(([x, y], i) => { episodes.push(Number(seriesRows[i].episode)); xs.push(x); values.push(Number(seriesRows[i][mean])); ys.push(y); });
    // The band's outline runs along its low edge in episode order and back along its high edge.
    const outline = pathPoints(area!.attributes.d);
    expect(outline.length, `band vertices of ${name}`).toBe(2 * seriesRows.length);
    const n = seriesRows.length;
    outline.forEach(([x, y], i) => {
      const row = seriesRows[i < n ? i : 2 * n - 1 - i];
      episodes.push(Number(row.episode)); xs.push(x);
      bandValues.push(Number(row[i < n ? low : high])); bandYs.push(y);
    });
  }
  // Tolerance 0.002 px: vega writes line and area vertices rounded to 0.001 px.
  const xFit = linearFit(episodes, xs);
  expect(xFit.worst, 'x = linear(episode)').toBeLessThan(0.002);
  expect(xFit.slope).toBeGreaterThan(0);
  const yFit = linearFit([...values, ...bandValues], [...ys, ...bandYs]);
  expect(yFit.worst, 'y = linear(value) for lines and bands').toBeLessThan(0.002);
  expect(yFit.slope, 'larger values drawn higher').toBeLessThan(0);
  expect(textsOf(svg, 'role-legend-label').sort(), 'legend names every series').toEqual([...series].sort());
}

/**
 * Checks Figure 5: one bar per CSV row, heights proportional to the mean latencies (bars from zero), value labels,
 * one whisker per bar where the seeds differ, the latency axis named with its unit, and the legend's gaps to OPT.
 */
export function checkBarFigure(svg: SvgElement, rows: Record<string, string | number>[], latencyAxis = 'Mean latency per slot (s)'): void {
  const bars = marksIn(svg, 'mark-rect role-mark');
  expect(bars.length).toBe(rows.length);
  const heights: number[] = []; const values: number[] = [];
  for (const bar of bars) {
    const label = bar.attributes['aria-label'];
    const user = /: (comp|aigc|ve|total); /.exec(label)?.[1];
    const policy = /policy_label: (\w+)/.exec(label)?.[1];
    const row = rows.find((r) => r.user === user && r.policy_label === policy);
    expect(row, `bar ${label}`).toBeDefined();
    heights.push(rectOf(bar.attributes.d).height);
    values.push(Number(row!.latency_mean_s));
  }
  // Bars start at zero: height = slope * value exactly (vega writes rect sizes at full precision).
  const fit = linearFit(values, heights);
  expect(Math.abs(fit.offset), 'bars start at 0').toBeLessThan(1e-6);
  expect(fit.worst).toBeLessThan(1e-6);
  // Value labels: 3 significant digits of each bar's value.
  const labels = marksIn(svg, 'mark-text role-mark').map((t) => Number(t.text.replace('−', '-')));
  expect(labels.length).toBe(rows.length);
  for (const value of values) expect(labels.some((l) => Math.abs(l - value) <= 0.005 * value)).toBe(true);
  // Whiskers (±1 sd over seeds), one per bar when any bar's seeds differ.
  const whiskers = rows.some((r) => Number(r.latency_sd_s) > 0) ? rows.length : 0;
  expect(marksIn(svg, 'mark-rule role-mark').length).toBe(whiskers);
  expect(textsOf(svg, 'role-axis-title')).toContain(latencyAxis);
  const legend = textsOf(svg, 'role-legend-label');
  expect(legend.map((l) => l.split(':')[0])).toEqual(['LARA', 'FRA', 'RRA', 'OPT']);
  // The gap to OPT in the legend is the CSV's.
  const laraGap = Number(rows.find((r) => r.policy === 'lara')!.gap_to_opt);
  expect(legend[0]).toBe(`LARA: ${laraGap >= 0 ? '+' : '−'}${(Math.abs(laraGap) * 100).toFixed(1)}% vs OPT`);
}
