import type { Ora, Options } from 'ora';

/** A started spinner on stderr; ora is loaded only by the commands that show one, never by `serve`. */
export async function startSpinner(
  text: string,
  options: Omit<Options, 'text' | 'stream'> = {},
): Promise<Ora> {
  const { default: ora } = await import('ora');
  return ora({ text, stream: process.stderr, ...options }).start();
}
