import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveToolsConfig } from '../src/config/tools-config.ts';
import {
  InterpreterPool,
  type InterpreterProcess,
  type InterpreterRun,
} from '../src/tools/code-interpreter/interpreters.ts';
import type { RunResult } from '../src/tools/code-interpreter/python-process.ts';

/**
 * Interpreter processes that run nothing: each run of code `name` lasts until the test calls
 * `finish(name)`. It counts the processes alive (started by a run, not yet killed) at once.
 */
class Processes {
  alive = 0;
  peak = 0;
  readonly started: string[] = [];
  private readonly pending = new Map<string, () => void>();

  readonly newProcess = (): InterpreterProcess => {
    let live = false;
    return {
      run: async (code: string): Promise<RunResult> => {
        if (!live) {
          live = true;
          this.alive++;
          this.peak = Math.max(this.peak, this.alive);
        }
        this.started.push(code);
        await new Promise<void>((resolve) => this.pending.set(code, resolve));
        return { logs: code, error: null, files: [] };
      },
      kill: () => {
        if (live) this.alive--;
        live = false;
      },
    };
  };

  finish(name: string): void {
    this.pending.get(name)!();
    this.pending.delete(name);
  }
}

const config = resolveToolsConfig(undefined, {}).codeInterpreter;
const never = new AbortController().signal;
/** A run of code `name` on container `name`, holding no files. */
const runOf = (name: string): InterpreterRun => ({
  container: name,
  code: name,
  fresh: async () => [],
  keep: async () => [],
});
const turns = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('the interpreter pool', () => {
  test('at its 8 processes, a new container’s run waits for one to come free, in order: never a ninth', async () => {
    const processes = new Processes();
    const pool = new InterpreterPool(config, { newProcess: processes.newProcess });
    try {
      const names = Array.from({ length: 10 }, (_, index) => `c${index}`);
      const runs = names.map((name) => pool.run(runOf(name), never));
      await turns();
      assert.deepEqual(processes.started, names.slice(0, 8));
      assert.equal(processes.alive, 8);

      // c3 ends: its process, idle now, makes room for c8, the first to wait; c9 waits on.
      processes.finish('c3');
      await runs[3];
      await turns();
      assert.deepEqual(processes.started.slice(8), ['c8']);
      processes.finish('c5');
      await turns();
      assert.deepEqual(processes.started.slice(8), ['c8', 'c9']);
      for (const name of names) if (!['c3', 'c5'].includes(name)) processes.finish(name);
      await Promise.all(runs);
      assert.equal(processes.peak, 8);
    } finally {
      pool.close();
    }
  });

  test('a waiting run gives up when its call is stopped, and past the wait with a 503 server_busy', async () => {
    const processes = new Processes();
    const pool = new InterpreterPool(config, {
      newProcess: processes.newProcess,
      maxProcesses: 1,
      waitMs: 100,
    });
    try {
      const first = pool.run(runOf('a'), never);
      await turns();
      await assert.rejects(
        pool.run(runOf('b'), never),
        (error: { status: number; code: string; message: string }) => {
          assert.equal(error.status, 503);
          assert.equal(error.code, 'server_busy');
          assert.match(error.message, /All 1 Python interpreters were busy/);
          return true;
        },
      );
      const leaving = new AbortController();
      const left = pool.run(runOf('c'), leaving.signal);
      leaving.abort(new Error('the client left'));
      await assert.rejects(left, /the client left/);
      assert.deepEqual(processes.started, ['a']);

      // Once `a` is done, the next container's run takes its place at once.
      processes.finish('a');
      await first;
      const next = pool.run(runOf('d'), never);
      await turns();
      assert.deepEqual(processes.started, ['a', 'd']);
      assert.equal(processes.alive, 1);
      processes.finish('d');
      await next;
    } finally {
      pool.close();
    }
  });

  test('a container stopped while its run waits has that run refused', async () => {
    const processes = new Processes();
    const pool = new InterpreterPool(config, { newProcess: processes.newProcess, maxProcesses: 1 });
    try {
      const first = pool.run(runOf('a'), never);
      await turns();
      const waiting = pool.run(runOf('b'), never);
      await turns();
      pool.stop('b');
      await assert.rejects(waiting, /was stopped \(it expired or was deleted\) before its run began/);
      // Stopped before its turn came: refused too, never a process of a container that is gone.
      const queued = pool.run(runOf('c'), never);
      pool.stop('c');
      await assert.rejects(queued, /was stopped/);
      processes.finish('a');
      await first;
      assert.deepEqual(processes.started, ['a']);
    } finally {
      pool.close();
    }
  });
});
