import type { Ora } from 'ora';

/**
 * A started spinner on stderr, silent when stderr is not a terminal (a log, a pipe); ora is
 * loaded only by the commands that show one, never by `serve`.
 */
export async function startSpinner(text: string): Promise<Ora> {
  const { default: ora } = await import('ora');
  return ora({ text, stream: process.stderr, isSilent: process.stderr.isTTY !== true }).start();
}
