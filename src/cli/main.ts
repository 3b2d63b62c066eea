import { parseArgs } from 'node:util';
import { chatCommand } from './chat-command.ts';
import type { Command } from './command.ts';
import { gatewaysCommand } from './gateways-command.ts';
import { keysCommand } from './keys-command.ts';
import { logsCommand } from './logs-command.ts';
import { modelsCommand } from './models-command.ts';
import { pullCommand } from './pull-command.ts';
import { runCommand } from './run-command.ts';
import { serveCommand } from './serve-command.ts';
import { statsCommand } from './stats-command.ts';
import { VERSION } from './version.ts';

const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  run: runCommand,
  chat: chatCommand,
  models: modelsCommand,
  pull: pullCommand,
  keys: keysCommand,
  gateways: gatewaysCommand,
  logs: logsCommand,
  stats: statsCommand,
};

const USAGE = `portico: a self-hosted AI gateway with the OpenAI Responses API

Usage:
${Object.values(COMMANDS)
  .map((command) => `  ${command.usage.split('\n')[0]}`)
  .join('\n')}

Run \`portico COMMAND --help\` for a command's options, \`portico --version\` for the version.
The dashboard is at the server's root URL (http://127.0.0.1:8787/ by default).

Environment: PORTICO_DATA_DIR (default ./.portico), PORTICO_MODELS_DIR (default ./models,
a ${process.platform === 'win32' ? ';' : ':'}-separated list), PORTICO_CONFIG, OPENAI_API_KEY, OPENAI_BASE_URL;
PORTICO_URL and PORTICO_API_KEY for the commands that take --url and --key.
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`portico ${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(
      `Unknown command '${name}': the commands are ${Object.keys(COMMANDS).join(', ')}.\n\n${USAGE}`,
    );
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        ...command.options,
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    process.stderr.write(`portico ${name}: ${(error as Error).message}\n\nUsage: ${command.usage}\n`);
    return 2;
  }
  if (parsed.values.version) {
    process.stdout.write(`portico ${VERSION}\n`);
    return 0;
  }
  if (parsed.values.help) {
    process.stdout.write(`${command.summary}\n\nUsage: ${command.usage}\n`);
    return 0;
  }
  return command.run(parsed.positionals, parsed.values);
}

process.exitCode = await main(process.argv.slice(2));
