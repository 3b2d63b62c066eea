// The `portico` command run from the TypeScript sources: tsx's loader registered in this
// process (not `--import tsx`, whose signal relay would end `serve` before its own SIGTERM
// handler finishes running responses).
import { register } from 'tsx/esm/api';

register();
await import('../../src/cli/main.ts');
