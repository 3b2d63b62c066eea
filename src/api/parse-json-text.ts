import { ApiError, badRequest } from './errors.ts';
import { LIMITS } from './limits.ts';
import { paramPath } from './request.ts';

interface Frame {
  object: boolean;
  /** The key or index being read inside this container: the path to name in an error. */
  at: string | number;
  keys: Set<string> | undefined;
  expectKey: boolean;
}

/** The ASCII codes the scanner acts on. */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * A request body's JSON, refusing what JSON.parse alone would let through: nesting deeper than
 * `LIMITS.jsonDepth` (so no later walk over the value can overflow the stack) and a key that
 * appears twice in one object (JSON.parse keeps the last silently; which one a client meant is
 * unknowable). One iterative pass over the text before JSON.parse; strings are skipped with
 * indexOf, so the pass costs little next to the parse.
 */
export function parseJsonText(text: string): unknown {
  if (!text.trim()) throw badRequest(null, 'The request body is empty: send a JSON object.');
  scan(text);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest(null, 'The request body is not valid JSON.', 'invalid_json');
  }
}

function scan(text: string): void {
  const frames: Frame[] = [];
  /** Where the scan is: the key or index read in every open container. */
  const path = (containers: readonly Frame[] = frames) => paramPath(containers.map((frame) => frame.at));
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const top = frames.at(-1);
    if (code === QUOTE) {
      const end = stringEnd(text, i);
      if (top?.object && top.expectKey) {
        const key = decodeKey(text.slice(i, end + 1));
        if (top.keys!.has(key)) {
          const param = path([...frames.slice(0, -1), { ...top, at: key }]);
          throw badRequest(param, `The request body gives the key '${param}' twice.`, 'duplicate_key');
        }
        top.keys!.add(key);
        top.at = key;
      }
      i = end;
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      if (frames.length >= LIMITS.jsonDepth) throw tooDeep(path());
      const object = code === OPEN_OBJECT;
      frames.push({ object, at: 0, keys: object ? new Set() : undefined, expectKey: object });
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      frames.pop();
    } else if (code === COMMA && top) {
      if (top.object) top.expectKey = true;
      else top.at = (top.at as number) + 1;
    } else if (code === COLON && top) {
      top.expectKey = false;
    }
  }
}

/** The index of the quote that closes the string opened at `start`; the text's end when none does. */
function stringEnd(text: string, start: number): number {
  for (let at = start + 1; ; at++) {
    at = text.indexOf('"', at);
    if (at === -1) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

function decodeKey(quoted: string): string {
  if (!quoted.includes('\\')) return quoted.slice(1, -1);
  try {
    return JSON.parse(quoted) as string;
  } catch {
    throw badRequest(null, 'The request body is not valid JSON.', 'invalid_json');
  }
}

function tooDeep(param: string): ApiError {
  return badRequest(
    param || null,
    `The request body nests arrays and objects more than ${LIMITS.jsonDepth} levels deep.`,
    'json_too_deep',
  );
}

/**
 * The same depth bound for a value that arrived as an object rather than as text (the
 * in-process binding): an iterative walk, so the check itself cannot overflow.
 */
export function checkJsonDepth(value: unknown): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [node, depth] = next;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > LIMITS.jsonDepth) throw tooDeep('');
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
}
