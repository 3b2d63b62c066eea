import type { InterpreterRun, Interpreters } from '../tools/code-interpreter/interpreters.ts';
import type { PrimaryLink } from './primary-link.ts';
import { toWireError, type ToPrimary, type ToWorker } from './worker-messages.ts';

/**
 * A worker's code interpreters: the primary's, so that every worker's runs on a container reach
 * the one interpreter that holds its Python state. The primary asks back, in the run's turn,
 * for the container's files its interpreter lacks and to store what the code wrote: the store
 * is the worker's.
 */
export class PrimaryInterpreters implements Interpreters {
  constructor(private readonly link: PrimaryLink) {}

  async run(run: InterpreterRun, signal: AbortSignal): Promise<void> {
    const request = { kind: 'code', container: run.container, code: run.code } as const;
    await this.link.ask(request, 'done', signal, (message, id) => {
      const reply = askedBack(run, message, id);
      if (!reply) return false;
      reply.then(
        (answer) => this.link.send(answer),
        (error: unknown) => this.link.send({ kind: 'code-failed', id, error: toWireError(error) }),
      );
      return true;
    });
  }

  stop(container: string): void {
    this.link.send({ kind: 'code-stop', container });
  }

  /** The primary's interpreters end with the primary. */
  close(): void {}
}

/** The worker's answer to what the primary asks back during a run; undefined for the run's own answer. */
function askedBack(run: InterpreterRun, message: ToWorker, id: number): Promise<ToPrimary> | undefined {
  if (message.kind === 'code-fresh')
    return run.fresh(message.held).then((files) => ({ kind: 'code-fresh', id, files }));
  if (message.kind === 'code-keep')
    return run.keep(message.result).then((versions) => ({ kind: 'code-kept', id, versions }));
  return undefined;
}
