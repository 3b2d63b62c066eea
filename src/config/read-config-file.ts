import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { ConfigError } from './config-error.ts';

/** `at position 12` in a JSON.parse message as `line 2, column 3`, which people can find. */
function jsonProblem(text: string, error: SyntaxError): string {
  const match = /position (\d+)/.exec(error.message);
  if (!match) return `is not valid JSON: ${error.message}`;
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `is not valid JSON at line ${line}, column ${column}: ${error.message.replace(/ in JSON at position \d+.*$/, '')}`;
}

/**
 * Reads a config file: JSON when it ends in `.json`, YAML otherwise (YAML also reads JSON).
 * Returns the parsed document, `{}` for an empty file; any failure is a ConfigError naming the file.
 */
export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory, not a file'
            : `cannot be read (${code ?? 'unknown error'})`;
    throw new ConfigError(path, [{ path: '', problem }]);
  }
  // A file that says nothing yet (JSON.parse refuses '') is an empty config, in either format.
  if (text.trim() === '') return {};
  let document: unknown;
  try {
    // The YAML parser is imported only for a YAML file: a JSON config starts without it.
    document =
      extname(path).toLowerCase() === '.json' ? JSON.parse(text) : (await import('yaml')).parse(text);
  } catch (error) {
    if (error instanceof Error && error.name === 'YAMLParseError') {
      const first = error.message.split('\n')[0]!.replace(/:$/, '');
      throw new ConfigError(path, [{ path: '', problem: `is not valid YAML: ${first}` }]);
    }
    if (error instanceof SyntaxError)
      throw new ConfigError(path, [{ path: '', problem: jsonProblem(text, error) }]);
    throw error;
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError(path, [
      { path: '', problem: 'must be a mapping with `providers` and `models`, not a list or a single value' },
    ]);
  }
  return document;
}
