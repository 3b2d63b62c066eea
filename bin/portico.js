#!/usr/bin/env node
// The `portico` command: runs the compiled JavaScript bundled into dist/bundle/ (built by
// `npm run build`, which `npm ci` and `npm install` run through the `prepare` script).
await import('../dist/bundle/portico.js');
