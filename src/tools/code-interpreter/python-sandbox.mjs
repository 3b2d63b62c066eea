// The Python sandbox's child process: Pyodide (CPython compiled to WebAssembly) run by Node
// under its permission model (no file system but the Pyodide folder, read-only; no child
// processes, no workers, no addons) and, where the host allows, in network and PID namespaces
// of its own (sandbox-command.ts). The parent measures its memory and bounds what it reads of
// its stdout (sandbox-process.ts): nothing here is trusted to hold a limit. Plain JavaScript: it
// runs without the TypeScript loader, which the permission model would have to let read the
// project; `npm run build` copies it into dist/ (scripts/copy-assets.mjs).
//
// Protocol: one JSON line per request on stdin, `{id, code, files: [{path, data}]}` (base64
// data), one JSON line per answer on stdout, `{id, logs, error, files}`; `{ready: true}` once
// Python is loaded. Everything else Python might write is its logs, never stdout.
import { constants } from 'node:fs';
import { createInterface } from 'node:readline';

const [pyodideDir, memoryMbText, maxOutputText] = process.argv.slice(2);
const memoryBytes = Number(memoryMbText) * 1024 * 1024;
const maxOutput = Number(maxOutputText);
const MOUNT = '/mnt/data';

// Pyodide reads the file-system flags through process.binding, which the permission model
// forbids: give it those constants and nothing else.
process.binding = (name) => {
  if (name === 'constants') return { fs: constants };
  throw new Error(`process.binding('${name}') is not available in the sandbox.`);
};
// WebAssembly memory may not grow past the limit: Python sees a MemoryError instead (the
// parent's measure of the whole process is the wall; this makes the common case a clean error).
const grow = WebAssembly.Memory.prototype.grow;
WebAssembly.Memory.prototype.grow = function (pages) {
  if (this.buffer.byteLength + pages * 65536 > memoryBytes) throw new RangeError('sandbox memory limit');
  return grow.call(this, pages);
};
// No network from JavaScript either (the namespace is the real wall; this is the second one).
for (const name of ['fetch', 'WebSocket', 'EventSource', 'XMLHttpRequest', 'Request', 'Response', 'Headers'])
  delete globalThis[name];

const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const write = process.stdout.write.bind(process.stdout);

const { loadPyodide } = await import(new URL('pyodide.mjs', `file://${pyodideDir}/`).href);
const pyodide = await loadPyodide({ indexURL: `${pyodideDir}/`, stdout: () => {}, stderr: () => {} });
// Code runs in a namespace of its own; the helper that runs it (and shows the value of the last
// expression as Python's repr, as a notebook does) lives outside it.
const helper = pyodide.globals.get('dict')();
pyodide.runPython(
  `
from pyodide.code import eval_code_async as _eval
async def run(code, scope):
    value = await _eval(code, scope)
    return None if value is None else repr(value)
`,
  { globals: helper },
);
const runCode = helper.get('run');
const scope = pyodide.globals.get('dict')();
// The `js` and `pyodide_js` modules would hand Python the JavaScript world: take them away.
pyodide.runPython(`
import sys
for name in ('js', 'pyodide_js', 'pyodide.http', 'pyodide.ffi', 'pyodide.code', 'micropip'):
    sys.modules[name] = None
`);
pyodide.FS.mkdirTree(MOUNT);
pyodide.runPython(`import os; os.chdir('${MOUNT}')`);

/** Every file under the mount, with its modification time. */
function listFiles() {
  const found = new Map();
  const walk = (dir) => {
    for (const name of pyodide.FS.readdir(dir)) {
      if (name === '.' || name === '..') continue;
      const path = `${dir}/${name}`;
      const stat = pyodide.FS.stat(path);
      if (pyodide.FS.isDir(stat.mode)) walk(path);
      else found.set(path, stat.mtime.getTime());
    }
  };
  walk(MOUNT);
  return found;
}

async function run({ id, code, files }) {
  for (const file of files ?? []) {
    const path = `${MOUNT}/${file.path}`;
    pyodide.FS.mkdirTree(path.slice(0, path.lastIndexOf('/')));
    pyodide.FS.writeFile(path, Buffer.from(file.data, 'base64'));
  }
  const before = listFiles();
  let logs = '';
  let cut = false;
  const take = (text) => {
    if (logs.length + text.length > maxOutput) {
      logs += text.slice(0, Math.max(0, maxOutput - logs.length));
      cut = true;
    } else logs += text;
  };
  pyodide.setStdout({ batched: (text) => take(`${text}\n`) });
  pyodide.setStderr({ batched: (text) => take(`${text}\n`) });
  let error = null;
  try {
    const result = await runCode(code, scope);
    if (typeof result === 'string') take(`${result}\n`);
  } catch (failure) {
    error = String(failure?.message ?? failure).slice(-4000);
  }
  if (cut) logs += `\n[... output cut at ${maxOutput} bytes]\n`;
  const written = [];
  for (const [path, mtime] of listFiles())
    if (before.get(path) !== mtime)
      written.push({
        path: path.slice(MOUNT.length + 1),
        data: Buffer.from(pyodide.FS.readFile(path)).toString('base64'),
      });
  write(`${JSON.stringify({ id, logs, error, files: written })}\n`);
}

send({ ready: true });
const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  queue = queue.then(() => run(JSON.parse(line)));
});
lines.on('close', () => process.exit(0));
