import { YOUNG_GENERATION_FLAG } from '../../src/workers/young-generation.ts';
import { join } from 'node:path';

/**
 * The node arguments that run `bin` (bin/portico.js) as Portico runs its server processes: with
 * the young generation it gives the workers it forks (src/workers/young-generation.ts), so a
 * server pinned to one core (one process) is measured as each worker of `portico serve` runs.
 */
export function porticoCommand(bin: string): string[] {
  return [YOUNG_GENERATION_FLAG, bin];
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
