#!/usr/bin/env node
// The `portico` command: runs the compiled JavaScript in dist/ (built by `npm run build`,
// which `npm ci` and `npm install` run through the `prepare` script).
await import('../dist/cli/main.js');
