import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The node arguments that run `bin` (bin/portico.js) as its shebang line does, with the node
 * flags it gives: how the installed `portico` command runs, measured as users run it.
 */
export function porticoCommand(bin: string): string[] {
  const words = readFileSync(bin, 'utf8').split('\n', 1)[0]!.split(/\s+/);
  return [...words.slice(words.indexOf('node') + 1), bin];
}

/** `portico serve` on a free port with the bench's `config`, loading no local model (an empty models folder under `dir`). */
export function serveWithoutModels(bin: string, config: string, dir: string): string[] {
  return [
    ...porticoCommand(bin),
    'serve',
    '--port',
    '0',
    '--config',
    config,
    '--models-dir',
    join(dir, 'none'),
  ];
}
