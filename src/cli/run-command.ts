import ora from 'ora';
import { ApiError } from '../api/errors.ts';
import { CreateResponseRequest, parseBody } from '../api/request.ts';
import { startResponse } from '../engine/create-response.ts';
import { createRuntime } from '../runtime.ts';
import { DEFAULT_PROJECT } from '../store/owner.ts';
import type { CliValues } from './main.ts';
import { runtimeOptions } from './runtime-options.ts';

/** `portico run MODEL "prompt"`: streams the answer to stdout, a spinner on stderr until it starts. */
export async function runCommand(positionals: string[], values: CliValues): Promise<number> {
  const [model, ...words] = positionals;
  if (!model || words.length === 0) {
    process.stderr.write('Usage: portico run MODEL "prompt"\n');
    return 2;
  }
  // A one-shot command queues nothing and leaves queued background runs to the server.
  const runtime = await createRuntime({ ...runtimeOptions(values), background: { run: false } });
  const spinner = ora({ text: `Loading ${model}`, stream: process.stderr }).start();
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  try {
    const request = parseBody(CreateResponseRequest, {
      model,
      input: words.join(' '),
      store: false,
      ...(values.instructions ? { instructions: values.instructions } : {}),
      ...(values['max-output-tokens'] ? { max_output_tokens: Number(values['max-output-tokens']) } : {}),
      ...(values.temperature ? { temperature: Number(values.temperature) } : {}),
    });
    const { events } = await startResponse(request, runtime.engine(DEFAULT_PROJECT), abort.signal);
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
    process.stderr.write(
      `portico: ${error instanceof ApiError || error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  } finally {
    await runtime.close();
  }
}
