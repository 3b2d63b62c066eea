import { startSpinner } from './spinner.ts';
import { parseResponseRequest } from '../api/request.ts';
import { createRuntime } from '../runtime.ts';
import { DEFAULT_PROJECT } from '../store/owner.ts';
import {
  fail,
  numberOption,
  RUNTIME_OPTIONS,
  text,
  UsageError,
  type Command,
  type Values,
} from './command.ts';
import { runtimeOptions } from './runtime-options.ts';

export const runCommand: Command = {
  summary: 'Runs a model once through the gateway and streams the answer to stdout.',
  usage:
    'portico run MODEL "prompt" [--instructions TEXT] [--max-output-tokens N] [--temperature T] [--gateway ID]\n' +
    '       portico run --prompt ID[@VERSION] [--var NAME=VALUE ...] [--model MODEL] ["input"] [options]',
  options: {
    ...RUNTIME_OPTIONS,
    instructions: { type: 'string' },
    'max-output-tokens': { type: 'string' },
    temperature: { type: 'string' },
    gateway: { type: 'string' },
    prompt: { type: 'string' },
    var: { type: 'string', multiple: true },
    model: { type: 'string' },
  },
  async run(positionals, values) {
    const stored = storedPrompt(values);
    const [model, ...words] = stored ? [text(values, 'model'), ...positionals] : positionals;
    if (!stored && (!model || words.length === 0)) throw new UsageError('give a model and a prompt');
    const instructions = text(values, 'instructions');
    const maxTokens = numberOption(values, 'max-output-tokens');
    const temperature = numberOption(values, 'temperature');
    const request = parseResponseRequest({
      ...(model ? { model } : {}),
      ...(words.length ? { input: words.join(' ') } : {}),
      ...(stored ? { prompt: stored } : {}),
      store: false,
      ...(instructions ? { instructions } : {}),
      ...(maxTokens !== undefined ? { max_output_tokens: maxTokens } : {}),
      ...(temperature !== undefined ? { temperature } : {}),
    });
    // A one-shot command leaves queued background runs to the server.
    const runtime = await createRuntime({ ...runtimeOptions(values), background: { run: false } });
    const spinner = await startSpinner(`Loading ${model ?? stored!.id}`);
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

/** `--prompt ID[@VERSION]` and its `--var NAME=VALUE`s: the stored prompt to run, as a request names it. */
function storedPrompt(
  values: Values,
): { id: string; version?: string; variables?: Record<string, string> } | undefined {
  const named = text(values, 'prompt');
  const given = (values.var ?? []) as string[];
  if (named === undefined) {
    if (given.length || text(values, 'model') !== undefined)
      throw new UsageError('--var and --model go with --prompt; without it, the model is the first argument');
    return undefined;
  }
  const [id, version] = named.split('@');
  if (!id) throw new UsageError(`--prompt takes ID or ID@VERSION, not '${named}'`);
  const variables: Record<string, string> = {};
  for (const pair of given) {
    const equals = pair.indexOf('=');
    if (equals < 1) throw new UsageError(`--var takes NAME=VALUE, not '${pair}'`);
    variables[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return { id, ...(version ? { version } : {}), ...(given.length ? { variables } : {}) };
}

/** Ctrl+C: what was written stays; 130 is the shell's status for a command it interrupted. */
function stopped(): number {
  process.stderr.write('\n[stopped]\n');
  return 130;
}
