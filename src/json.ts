// Strict JSON: JSON.parse, and a key repeated in one object is an error (JSON.parse keeps the last one silently).
// Every reader of a file the user gives (scenario, plans, config.json, checkpoint metadata) parses with parseJson.

/** Invalid JSON, or a key repeated in one object; the message says which (one line). */
export class JsonError extends SyntaxError {
  constructor(message: string) {
    super(message);
    this.name = 'JsonError';
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const pathText = (path: readonly (string | number)[]) =>
  path.map((p) => (typeof p === 'number' || IDENTIFIER.test(p) ? String(p) : JSON.stringify(p))).join('.');

type Frame = { kind: 'object'; keys: Set<string>; key: string | null; expectKey: boolean } | { kind: 'array'; index: number };

/**
 * The path of the first key repeated within one object of `text` (already valid JSON), e.g. `distance.comp`, or null.
 * Keys compare after unescaping ("a" and "\u0061" are one key).
 */
export function repeatedKey(text: string): string | null {
  const stack: Frame[] = [];
  const path = (): (string | number)[] => stack.flatMap((f): (string | number)[] => (f.kind === 'array' ? [f.index] : f.key === null ? [] : [f.key]));
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.kind === 'object' && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) { top.key = key; return pathText(path()); }
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push({ kind: 'object', keys: new Set(), key: null, expectKey: true });
    } else if (c === '[') {
      stack.push({ kind: 'array', index: 0 });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') top.expectKey = true;
      else if (top?.kind === 'array') top.index++;
    }
  }
  return null;
}

/** JSON.parse, refusing a key repeated in one object; throws JsonError with a one-line message. */
export function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new JsonError((error as Error).message.split('\n')[0]);
  }
  const repeated = repeatedKey(text);
  if (repeated !== null) throw new JsonError(`key ${repeated} appears twice in one object (a repeated key is refused, not last-wins)`);
  return value;
}
