#!/usr/bin/env -S node --max-semi-space-size=32
// The `portico` command: runs the compiled JavaScript bundled into dist/bundle/ (built by
// `npm run build`, which `npm ci` and `npm install` run through the `prepare` script).
// The young generation may grow to 32 MB a half, not V8's 16: a server's garbage is what each
// request allocates and drops by its end, and with more room a scavenge runs half as often and
// finds less of it still alive (7-9% less CPU per request in `npm run bench:gateway`). Only
// the limit changes: an idle process holds no more memory.
await import('../dist/bundle/portico.js');
