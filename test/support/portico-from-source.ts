import { fileURLToPath } from 'node:url';

/**
 * Node arguments that run the `portico` command from the TypeScript sources, so tests exercise
 * src/ as it is, without a build. bin/portico.js runs the compiled dist/.
 */
export const porticoFromSource = [fileURLToPath(new URL('./portico-source-bin.js', import.meta.url))];
