// Reading vega's SVG output back for tests: strict XML parse, mark elements by class, path points, and text contents.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

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
