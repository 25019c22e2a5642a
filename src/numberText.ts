// Numbers as a user types them, one syntax for the command line's flags and the web page's fields and URL parameters:
// decimal integers, decimal numbers (JSON's syntax, with a leading + or a bare fraction allowed); no hexadecimal, binary
// or octal, no Infinity or NaN, no values that round to 0 or overflow. No platform APIs (Node and the page).

/** A text that is not a number of the kind asked for; the message says what was expected and what came. */
export class NumberTextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NumberTextError';
  }
}

const INTEGER = /^\+?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Whether `text` (trimmed) has the syntax of a decimal number, e.g. 5, -0.25, 1e-3, +4e8 (not 0x10, Infinity or ''). */
export function isNumberText(text: string): boolean {
  return DECIMAL.test(text.trim());
}

/** A decimal integer in [min, max], e.g. "256" or "+3"; a NumberTextError otherwise. */
export function parseIntegerText(text: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!INTEGER.test(text.trim())) throw new NumberTextError(`expected an integer, got "${text}"`);
  const n = Number(text);
  if (n < min || n > max) throw new NumberTextError(`expected an integer in [${min}, ${max}], got ${n}`);
  return n;
}

/** A finite decimal number in [min, max] (or (min, max] with exclusiveMin); a NumberTextError otherwise. */
export function parseNumberText(text: string, min = -Infinity, max = Infinity, { exclusiveMin = false } = {}): number {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) throw new NumberTextError(`expected a number, got "${text}"`);
  const n = Number(trimmed);
  if (!Number.isFinite(n)) throw new NumberTextError(`"${trimmed}" is beyond the largest number (about 1.8e308)`);
  // A literal with a non-zero digit that reads as 0 is below the smallest number (about 5e-324), not zero.
  if (n === 0 && /[1-9]/.test(trimmed.replace(/[eE].*$/, ''))) {
    throw new NumberTextError(`"${trimmed}" is below the smallest number (about 5e-324): it would read as 0`);
  }
  if (n < min || n > max || (exclusiveMin && n === min)) {
    throw new NumberTextError(`expected a number in ${exclusiveMin ? '(' : '['}${min}, ${max}], got ${n}`);
  }
  return n;
}

/** Comma-separated positive integers, e.g. "256,256" (hidden layer widths). */
export function parseIntegerListText(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1)) {
    throw new NumberTextError(`expected comma-separated positive integers, got "${text}"`);
  }
  return parts.map(Number);
}
