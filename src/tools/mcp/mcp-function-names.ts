import { createHash } from 'node:crypto';

/**
 * The function name a server's tool is offered to the model under: `label__tool`, kept within
 * the 64 letters, digits, `_` and `-` every provider takes (a long name ends in a short hash
 * of itself, so two long names never collide).
 */
export function functionName(label: string, tool: string): string {
  const name = `${label}__${tool}`.replace(/[^a-zA-Z0-9_-]/g, '_');
  if (name.length <= 64) return name;
  const hash = createHash('sha256').update(`${label}\n${tool}`).digest('hex').slice(0, 8);
  return `${name.slice(0, 55)}_${hash}`;
}
