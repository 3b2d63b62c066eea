import { startSpinner } from './spinner.ts';
import { parseResponseRequest } from '../api/request.ts';
import { createRuntime } from '../runtime.ts';
import { DEFAULT_PROJECT } from '../store/owner.ts';
import { fail, numberOption, RUNTIME_OPTIONS, text, UsageError, type Command } from './command.ts';
import { runtimeOptions } from './runtime-options.ts';

export const runCommand: Command = {
  summary: 'Runs a model once through the gateway and streams the answer to stdout.',
  usage:
    'portico run MODEL "prompt" [--instructions TEXT] [--max-output-tokens N] [--temperature T] [--gateway ID]',
  options: {
    ...RUNTIME_OPTIONS,
    instructions: { type: 'string' },
    'max-output-tokens': { type: 'string' },
    temperature: { type: 'string' },
    gateway: { type: 'string' },
  },
  async run(positionals, values) {
    const [model, ...words] = positionals;
    if (!model || words.length === 0) throw new UsageError('give a model and a prompt');
    const instructions = text(values, 'instructions');
    const maxTokens = numberOption(values, 'max-output-tokens');
    const temperature = numberOption(values, 'temperature');
    const request = parseResponseRequest({
      model,
      input: words.join(' '),
      store: false,
      ...(instructions ? { instructions } : {}),
      ...(maxTokens !== undefined ? { max_output_tokens: maxTokens } : {}),
      ...(temperature !== undefined ? { temperature } : {}),
    });
    // A one-shot command leaves queued background runs to the server.
    const runtime = await createRuntime({ ...runtimeOptions(values), background: { run: false } });
    const spinner = await startSpinner(`Loading ${model}`);
    const abort = new AbortController();
    // `on`, not `once`: node-llama-cpp's signal-exit ends the process on a signal that no other
    // listener is left to hear, and a `once` listener is gone before it runs.
    const stop = () => abort.abort();
    process.on('SIGINT', stop);
    try {
      const { events } = await runtime.gateway.run({
        path: 'cli',
        credentials: { kind: 'trusted', project: DEFAULT_PROJECT },
        gatewayId: text(values, 'gateway'),
        options: {},
        steps: [{ request, options: {} }],
        modelFallbacks: true,
        signal: abort.signal,
        warnings: [],
      });
      spinner.stop();
      for await (const event of events) {
        if (event.type === 'response.output_text.delta') process.stdout.write(event.delta);
        if (event.type === 'response.incomplete')
          process.stderr.write(`\n[incomplete: ${event.response.incomplete_details?.reason}]`);
        if (event.type === 'response.failed')
          throw new Error(event.response.error?.message ?? 'the response failed');
      }
      if (abort.signal.aborted) return stopped();
      process.stdout.write('\n');
      return 0;
    } catch (error) {
      spinner.stop();
      return abort.signal.aborted ? stopped() : fail(error);
    } finally {
      process.off('SIGINT', stop);
      await runtime.close();
    }
  },
};

/** Ctrl+C: what was written stays; 130 is the shell's status for a command it interrupted. */
function stopped(): number {
  process.stderr.write('\n[stopped]\n');
  return 130;
}
