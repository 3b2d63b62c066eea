import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { PythonProcess } from '../src/tools/code-interpreter/python-process.ts';

// One interpreter for the whole file (loading Python takes seconds on two cores); a run that
// passes its time kills it, and the next run starts a fresh one.
const python = new PythonProcess({
  memoryMb: 256,
  timeoutMs: 10_000,
  maxOutputBytes: 2_000,
  isolateNetwork: true,
});
const never = new AbortController().signal;
const run = (code: string, files: Array<{ path: string; data: Buffer }> = []) =>
  python.run(code, files, never);

/**
 * Python that reaches JavaScript anyway (Pyodide leaves `pyodide_js._api` in sys.modules) and
 * runs `body` there: the walls below Python, not Python's own import rules, must hold.
 */
const throughJavaScript = (body: string) =>
  [
    'import sys',
    'Function = sys.modules["pyodide_js._api"].constructor.constructor',
    `result = Function(${JSON.stringify(`return (async () => { try { ${body} } catch (e) { return 'refused: ' + e.message } })()`)})()`,
    'print(await result)',
  ].join('\n');

let host: Server;
let hostPort: number;
before(async () => {
  host = createServer((_request, response) => response.end('reached the host'));
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostPort = (host.address() as AddressInfo).port;
});
after(async () => {
  python.kill();
  await new Promise<void>((resolve) => host.close(() => resolve()));
});

describe('the Python sandbox', () => {
  test('runs Python, keeps its state between runs, reads and writes /mnt/data', async () => {
    const first = await run(
      'import csv\nrows = list(csv.reader(open("in.csv")))\nprint(len(rows))\nrows[1]',
      [{ path: 'in.csv', data: Buffer.from('a,b\n1,2\n') }],
    );
    assert.equal(first.error, null);
    assert.equal(first.logs, "2\n['1', '2']\n");
    const second = await run('open("/mnt/data/out.txt", "w").write(str(len(rows) * 21))');
    assert.equal(second.logs, '2\n');
    assert.deepEqual(
      second.files.map((file) => [file.path, file.data.toString()]),
      [['out.txt', '42']],
    );
  });

  test('the host file system is out of reach: Python sees its own, JavaScript is refused', async () => {
    const python = await run('open("/etc/passwd").read()');
    assert.match(python.error ?? '', /FileNotFoundError/);
    const read = await run(
      throughJavaScript("return (await import('node:fs')).readFileSync('/etc/passwd', 'utf8')"),
    );
    assert.match(read.logs, /^refused: Access to this API has been restricted/);
    const write = await run(
      throughJavaScript(
        "(await import('node:fs')).writeFileSync('/tmp/portico-escaped', 'x'); return 'wrote'",
      ),
    );
    assert.match(write.logs, /^refused: Access to this API has been restricted/);
  });

  test('the network is out of reach: no route out, not even to the host on loopback', async () => {
    const socket = (address: string) =>
      run(
        throughJavaScript(
          `const net = await import('node:net'); return await new Promise((done) => { const s = net.connect(${hostPort}, '${address}'); s.on('connect', () => done('connected')); s.on('error', (e) => done('refused: ' + e.code)); })`,
        ),
      );
    assert.match((await socket('127.0.0.1')).logs, /^refused: (ECONNREFUSED|ENETUNREACH)/);
    // A public address: no route at all from the sandbox's own network namespace.
    assert.match((await socket('1.1.1.1')).logs, /^refused: ENETUNREACH/);
    const fetched = await run(throughJavaScript(`return String(typeof fetch)`));
    assert.equal(fetched.logs.trim(), 'undefined');
    const http = await run('import urllib.request\nurllib.request.urlopen("http://127.0.0.1:1/").read()');
    assert.ok(http.error, 'urllib cannot open a connection');
  });

  test('no processes and no threads: child_process and workers are refused', async () => {
    const spawned = await run(
      throughJavaScript("return (await import('node:child_process')).execSync('id').toString()"),
    );
    assert.match(spawned.logs, /^refused: Access to this API has been restricted/);
    const worker = await run(
      throughJavaScript(
        "new (await import('node:worker_threads')).Worker('1', { eval: true }); return 'started'",
      ),
    );
    assert.match(worker.logs, /^refused: Access to this API has been restricted/);
    const python = await run('import subprocess\nsubprocess.run(["id"])');
    assert.ok(python.error, 'subprocess cannot start a process');
  });

  test('a memory bomb is a MemoryError, and the interpreter lives on', async () => {
    const bomb = await run('blob = bytearray(1024 * 1024 * 1024)');
    assert.match(bomb.error ?? '', /MemoryError/);
    assert.equal((await run('1 + 1')).logs, '2\n');
  });

  test('output is cut at its limit', async () => {
    const loud = await run('print("x" * 100_000)');
    assert.ok(loud.logs.length < 2_200, `${loud.logs.length} characters came back`);
    assert.match(loud.logs, /output cut at 2000 bytes/);
  });

  test('an endless loop is stopped at the time limit, and the next run starts afresh', async () => {
    await assert.rejects(run('while True: pass'), /longer than 10000 ms/);
    const after = await run('"rows" in globals()');
    assert.equal(after.logs, 'False\n');
  });

  test("the host's processes are out of reach: code that signals its parent, its group or the server ends only itself", async () => {
    // A stand-in for the server, in a process group of its own: where the sandbox can reach it,
    // the second of these kills it (and the third its group, never this test's runner).
    const attacks = [
      throughJavaScript(
        "const tries = [__HOST__, -__HOST__, -process.pid].map((pid) => { try { process.kill(pid, 0); return 'signalled ' + pid; } catch (e) { return e.code; } }); return [process.ppid, ...tries].join(' ')",
      ),
      throughJavaScript("process.kill(process.ppid, 'SIGKILL'); return 'sent'"),
      throughJavaScript("process.kill(0, 'SIGKILL'); return 'sent'"),
    ];
    const server = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', STAND_IN], {
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ATTACKS: JSON.stringify(attacks) },
    });
    let out = '';
    server.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      server.once('close', (...end) => resolve(end)),
    );
    assert.deepEqual(
      [code, signal],
      [0, null],
      `the stand-in server ended (${signal ?? code}); it saw:\n${out}`,
    );
    const [looked, byParent, byGroup] = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as string);
    // Process 1 of its own namespace, with no parent: the server's pid and group name nothing there.
    assert.equal(looked, '0 ESRCH ESRCH ESRCH');
    // A kill of its own group reaches unshare, whose end takes the sandbox with it (the sandbox
    // itself, process 1 there, ignores it): the answer may come back first.
    for (const outcome of [byParent, byGroup])
      assert.match(outcome!, /^(sent|ended: Python's process ended \(SIGKILL\))/);
  });

  test('stdout flooded without a newline is cut at 64 MiB: the run fails, the parent holds no more', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      await assert.rejects(
        run(
          throughJavaScript(
            "const s = 'x'.repeat(1 << 20); for (let i = 0; i < 200; i++) await new Promise((done) => process.stdout.write(s, done)); return 'flooded'",
          ),
        ),
        /wrote more than 64 MiB in one answer and was stopped/,
      );
    } finally {
      clearInterval(sample);
    }
    assert.ok(
      peak - before < 140 * 2 ** 20,
      `the parent grew by ${Math.round((peak - before) / 2 ** 20)} MiB`,
    );
    assert.equal((await run('1 + 1')).logs, '2\n');
  });

  test('the memory limit counts the whole process: files in memory and array buffers made through JavaScript', async () => {
    const files = run(
      'f = open("/tmp/big", "wb")\nfor _ in range(32):\n    f.write(b"x" * (16 << 20))\nf.close()\nprint("wrote 512 MiB")',
    );
    await assert.rejects(files, /more than its memory limit of 256 MiB/);
    const buffers = run(
      throughJavaScript(
        'const held = []; for (let i = 0; i < 64; i++) { held.push(new Uint8Array(16 << 20).fill(1)); await new Promise((done) => setTimeout(done, 1)); } return held.length',
      ),
    );
    await assert.rejects(buffers, /more than its memory limit of 256 MiB/);
    assert.equal((await run('1 + 1')).logs, '2\n');
  });

  test('a process that fails to start says why, in the last lines it wrote', async () => {
    const starved = new PythonProcess({
      memoryMb: 1,
      timeoutMs: 10_000,
      maxOutputBytes: 2_000,
      isolateNetwork: true,
    });
    await assert.rejects(
      starved.run('1', [], never),
      /Python's process ended .* It wrote: [^]*(OOM|out of memory)/i,
    );
  });
});

/**
 * A stand-in for Portico: runs each of $ATTACKS (`__HOST__` its own pid) at once, each in an
 * interpreter of its own, and prints the logs of each, or `ended: ` and why the run failed, as
 * JSON lines in the order of $ATTACKS.
 */
const STAND_IN = `
import { PythonProcess } from ${JSON.stringify(new URL('../src/tools/code-interpreter/python-process.ts', import.meta.url).href)};
const never = new AbortController().signal;
const outcomes = await Promise.all(JSON.parse(process.env.ATTACKS).map(async (code) => {
  const python = new PythonProcess({ memoryMb: 256, timeoutMs: 30000, maxOutputBytes: 2000, isolateNetwork: true });
  try {
    return (await python.run(code.replaceAll('__HOST__', String(process.pid)), [], never)).logs.trim();
  } catch (error) {
    return 'ended: ' + error.message;
  } finally {
    python.kill();
  }
}));
for (const outcome of outcomes) console.log(JSON.stringify(outcome));
`;
