import { startSpinner } from './spinner.ts';
import { CreateResponseRequest, parseBody } from '../api/request.ts';
import { createRuntime } from '../runtime.ts';
import { DEFAULT_PROJECT } from '../store/owner.ts';
import { fail, RUNTIME_OPTIONS, text, type Command } from './command.ts';
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
    if (!model || words.length === 0) {
      process.stderr.write(`Usage: ${this.usage}\n`);
      return 2;
    }
    // A one-shot command leaves queued background runs to the server.
    const runtime = await createRuntime({ ...runtimeOptions(values), background: { run: false } });
    const spinner = await startSpinner(`Loading ${model}`);
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    try {
      const instructions = text(values, 'instructions');
      const maxTokens = text(values, 'max-output-tokens');
      const temperature = text(values, 'temperature');
      const request = parseBody(CreateResponseRequest, {
        model,
        input: words.join(' '),
        store: false,
        ...(instructions ? { instructions } : {}),
        ...(maxTokens ? { max_output_tokens: Number(maxTokens) } : {}),
        ...(temperature ? { temperature: Number(temperature) } : {}),
      });
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
      process.stdout.write('\n');
      return 0;
    } catch (error) {
      spinner.stop();
      return fail(error);
    } finally {
      await runtime.close();
    }
  },
};
