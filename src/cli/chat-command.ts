import { createInterface } from 'node:readline/promises';
import { startSpinner } from './spinner.ts';
import { CliError } from './api-client.ts';
import { CONNECTION_OPTIONS, openBackend, type CliBackend } from './backend.ts';
import {
  fail,
  numberOption,
  RUNTIME_OPTIONS,
  text,
  UsageError,
  type Command,
  type Values,
} from './command.ts';

const USAGE = `portico chat MODEL [--instructions TEXT] [--max-output-tokens N] [--temperature T]
                    [--url URL --key KEY]
  Type a message and press Enter; each answer continues the conversation (previous_response_id).
  /new starts a new conversation, /exit (or Ctrl+D) leaves.`;

/** The settings every turn of the chat shares, from the command line. */
function turnSettings(values: Values): Record<string, unknown> {
  const instructions = text(values, 'instructions');
  const maxTokens = numberOption(values, 'max-output-tokens');
  const temperature = numberOption(values, 'temperature');
  return {
    ...(instructions ? { instructions } : {}),
    ...(maxTokens !== undefined ? { max_output_tokens: maxTokens } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
  };
}

/** One turn: the answer streamed to stdout as it arrives; the response id, to chain the next turn. */
async function turn(
  backend: CliBackend,
  request: Record<string, unknown>,
  interactive: boolean,
  abort: AbortController,
) {
  const stop = () => abort.abort();
  // `on`, not `once`: node-llama-cpp's signal-exit ends the process on a signal that no other
  // listener is left to hear, and a `once` listener is gone before it runs.
  process.on('SIGINT', stop);
  const spinner = interactive ? await startSpinner('Thinking') : undefined;
  let id: string | undefined;
  try {
    for await (const event of await backend.respond(request, abort.signal)) {
      // Stopped once: ora's stop also moves the cursor to the line's start.
      if (spinner?.isSpinning) spinner.stop();
      if (event.type === 'response.output_text.delta') process.stdout.write(event.delta ?? '');
      if (event.response?.id) id = event.response.id;
      if (event.type === 'response.incomplete')
        process.stderr.write(`\n[incomplete: ${event.response?.incomplete_details?.reason ?? 'unknown'}]`);
      if (event.type === 'response.failed')
        throw new CliError(event.response?.error?.message ?? 'the response failed');
      if (event.type === 'error') throw new CliError(event.message ?? 'the stream failed');
    }
    process.stdout.write('\n');
    return id;
  } catch (error) {
    if (abort.signal.aborted) {
      process.stderr.write('\n[stopped]\n');
      return id;
    }
    throw error;
  } finally {
    if (spinner?.isSpinning) spinner.stop();
    process.off('SIGINT', stop);
  }
}

export const chatCommand: Command = {
  summary:
    'Chats with a model in the terminal: streamed answers, one conversation chained by previous_response_id.',
  usage: USAGE,
  maxArguments: 1,
  options: {
    ...RUNTIME_OPTIONS,
    ...CONNECTION_OPTIONS,
    instructions: { type: 'string' },
    'max-output-tokens': { type: 'string' },
    temperature: { type: 'string' },
  },
  async run(positionals, values) {
    const [model] = positionals;
    if (!model) throw new UsageError('give a model');
    // Checked before anything opens, and once: every turn sends the same.
    const settings = turnSettings(values);
    const interactive = process.stdin.isTTY === true;
    const backend = await openBackend(values, true);
    const lines = createInterface({ input: process.stdin, output: process.stderr, terminal: interactive });
    if (interactive) process.stderr.write(`Chatting with ${model}. /new starts over, /exit leaves.\n`);
    // The iterator keeps lines piped in while a turn is still answering.
    const input = lines[Symbol.asyncIterator]();
    // In a terminal readline takes Ctrl+C itself: it stops the answer being written, or leaves at the prompt.
    let answering: AbortController | undefined;
    lines.on('SIGINT', () => (answering ? answering.abort() : lines.close()));
    let previous: string | undefined;
    try {
      for (;;) {
        if (interactive) {
          lines.setPrompt('> ');
          lines.prompt();
        }
        const line = await input.next();
        if (line.done || line.value.trim() === '/exit') return 0;
        const message = line.value.trim();
        if (!message) continue;
        if (message === '/new') {
          previous = undefined;
          process.stderr.write('New conversation.\n');
          continue;
        }
        answering = new AbortController();
        const request = {
          model,
          input: message,
          store: true,
          ...settings,
          ...(previous ? { previous_response_id: previous } : {}),
        };
        try {
          previous = await turn(backend, request, interactive, answering);
        } catch (error) {
          // In a terminal a failed turn is said and the chat goes on; piped input stops, failed.
          if (!interactive) throw error;
          fail(error);
        }
        answering = undefined;
      }
    } catch (error) {
      return fail(error);
    } finally {
      lines.close();
      await backend.close();
    }
  },
};
