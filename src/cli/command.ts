import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Parsed values: strings, string lists and flags, by option name. */
export type Values = Record<string, string | boolean | string[] | undefined>;

/** One `portico` subcommand: its own options, usage and run function. */
export interface Command {
  summary: string;
  usage: string;
  options: OptionSpec;
  /** The most positional arguments it takes (the action, an id, a model, ...); undefined: any number. */
  maxArguments?: number;
  run(positionals: string[], values: Values): Promise<number>;
}

/** Where state and models live: every command that opens the runtime takes these. */
export const RUNTIME_OPTIONS: OptionSpec = {
  'data-dir': { type: 'string' },
  'models-dir': { type: 'string', multiple: true },
  config: { type: 'string' },
};

export function text(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A command line the command cannot take: said as `portico COMMAND: message`, with the usage, exit 2. */
export class UsageError extends Error {}

/** A number given as `--name`, or undefined when it is not given. Not a number: an error naming the option. */
export function numberOption(values: Values, name: string): number | undefined {
  const value = text(values, name);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number))
    throw new UsageError(`--${name} takes a number, not '${value}'`);
  return number;
}

/** Writes a failed command's message to stderr; returns the exit status it ends with. */
export function fail(error: unknown): number {
  process.stderr.write(`portico: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}
