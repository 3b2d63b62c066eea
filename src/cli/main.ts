import { parseArgs } from 'node:util';
import { modelsCommand } from './models-command.ts';
import { pullCommand } from './pull-command.ts';
import { runCommand } from './run-command.ts';
import { serveCommand } from './serve-command.ts';

const USAGE = `portico: a self-hosted AI gateway with the OpenAI Responses API

Usage:
  portico serve [--port 8787] [--host 127.0.0.1] [--data-dir DIR] [--models-dir DIR]... [--config FILE]
  portico run MODEL "prompt" [--instructions TEXT] [--max-output-tokens N] [--temperature T]
  portico models [--json]
  portico pull hf:OWNER/REPO/FILE.gguf | URL [--models-dir DIR]

Environment: PORTICO_DATA_DIR (default ./.portico), PORTICO_MODELS_DIR (default ./models,
a ${process.platform === 'win32' ? ';' : ':'}-separated list), PORTICO_CONFIG, OPENAI_API_KEY, OPENAI_BASE_URL.
`;

const options = {
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  'models-dir': { type: 'string', multiple: true },
  config: { type: 'string' },
  instructions: { type: 'string' },
  'max-output-tokens': { type: 'string' },
  temperature: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type CliValues = ReturnType<
  typeof parseArgs<{ options: typeof options; allowPositionals: true }>
>['values'];

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || !command) {
    process.stdout.write(USAGE);
    return command || parsed.values.help ? 0 : 2;
  }
  switch (command) {
    case 'serve':
      return serveCommand(parsed.values);
    case 'run':
      return runCommand(rest, parsed.values);
    case 'models':
      return modelsCommand(parsed.values);
    case 'pull':
      return pullCommand(rest, parsed.values);
    default:
      process.stderr.write(`Unknown command '${command}'.\n\n${USAGE}`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
