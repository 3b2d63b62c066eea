import { parseArgs } from 'node:util';
import { fail, UsageError, type Command } from './command.ts';
import { VERSION } from './version.ts';

/**
 * Each command's module, loaded when it runs: a command loads only what it needs (the primary
 * of `portico serve --workers N` stays small; the workers load the server).
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve-command.ts')).serveCommand,
  run: async () => (await import('./run-command.ts')).runCommand,
  chat: async () => (await import('./chat-command.ts')).chatCommand,
  models: async () => (await import('./models-command.ts')).modelsCommand,
  pull: async () => (await import('./pull-command.ts')).pullCommand,
  keys: async () => (await import('./keys-command.ts')).keysCommand,
  gateways: async () => (await import('./gateways-command.ts')).gatewaysCommand,
  logs: async () => (await import('./logs-command.ts')).logsCommand,
  stats: async () => (await import('./stats-command.ts')).statsCommand,
  prompts: async () => (await import('./prompts-command.ts')).promptsCommand,
};

/** The first line of each form a command's usage gives (keys create, keys list, ...). */
function forms(usage: string): string[] {
  return usage
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('portico '))
    .map((line) => `  ${line}`);
}

async function usage(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  return `portico: a self-hosted AI gateway with the OpenAI Responses API

Usage:
${commands.flatMap((command) => forms(command.usage)).join('\n')}

Run \`portico COMMAND --help\` for a command's options, \`portico --version\` for the version.
The dashboard is at the server's root URL (http://127.0.0.1:8787/ by default).

Environment: PORTICO_DATA_DIR (default ./.portico), PORTICO_MODELS_DIR (default ./models,
a ${process.platform === 'win32' ? ';' : ':'}-separated list), PORTICO_CONFIG, OPENAI_API_KEY, OPENAI_BASE_URL;
PORTICO_URL and PORTICO_API_KEY for the commands that take --url and --key.
`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`portico ${VERSION}\n`);
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    process.stderr.write(
      `Unknown command '${name}': the commands are ${Object.keys(COMMANDS).join(', ')}.\n\n${await usage()}`,
    );
    return 2;
  }
  const command = await load();
  // `portico COMMAND --version` prints the version, also for a command whose own --version
  // takes a value (`portico prompts show ID --version 2`).
  if (rest.length === 1 && (rest[0] === '--version' || rest[0] === '-V')) {
    process.stdout.write(`portico ${VERSION}\n`);
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        version: { type: 'boolean', short: 'V' },
        ...command.options,
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    return usageError(name, command, error as Error);
  }
  const extra = parsed.positionals.slice(command.maxArguments ?? Infinity);
  if (extra.length > 0)
    return usageError(name, command, new UsageError(`unexpected argument '${extra.join(' ')}'`));
  if (parsed.values.version === true) {
    process.stdout.write(`portico ${VERSION}\n`);
    return 0;
  }
  if (parsed.values.help) {
    process.stdout.write(`${command.summary}\n\nUsage: ${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(parsed.positionals, parsed.values);
  } catch (error) {
    if (error instanceof UsageError) return usageError(name, command, error);
    // What a command did not catch itself (a config file that does not parse, a data
    // directory that cannot be made) is a line, not a stack trace.
    return fail(error);
  }
}

/** A command line the command cannot take: one line naming the command, then its usage; exit 2. */
function usageError(name: string, command: Command, error: Error): number {
  process.stderr.write(`portico ${name}: ${error.message}\n\nUsage: ${command.usage}\n`);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
