import { basename } from 'node:path';
import { defaultModelsDirs } from '../runtime.ts';
import { UsageError, type Command, type Values } from './command.ts';

/** What `portico pull` takes: a Hugging Face file (`hf:owner/repo/path/file.gguf`) or a plain URL. */
const USAGE = `portico pull hf:OWNER/REPO/FILE.gguf | URL [--models-dir DIR]

URI is hf:OWNER/REPO/FILE.gguf (hf:OWNER/REPO:QUANT picks a quantization), or an https:// URL.
The file is saved in the first models folder and served as local/<file name>.
Example: portico pull hf:ggml-org/models/tinyllamas/stories260K.gguf`;

/** A single file keeps its own name (served as `local/<name>`); split and quantization URIs are named by the downloader. */
function fileName(uri: string): { fileName?: string } {
  const path = uri.replace(/[?#].*$/, '');
  let name = basename(path);
  try {
    name = basename(decodeURIComponent(path));
  } catch {
    // a malformed escape: the name as written
  }
  return /\.gguf$/i.test(name) && !/-\d{5}-of-\d{5}\.gguf$/i.test(name) ? { fileName: name } : {};
}

/** The server a URI downloads from: Hugging Face's (`HF_ENDPOINT`, as the downloader reads it) or the URL's own. */
function serverOf(uri: string): string | undefined {
  if (/^(hf|huggingface):/.test(uri)) return process.env.HF_ENDPOINT?.trim() || 'https://huggingface.co';
  try {
    return new URL(uri).origin;
  } catch {
    return undefined; // the downloader says what is wrong with it
  }
}

/** How long a server gets to answer at all. */
const REACH_TIMEOUT_MS = 15_000;

/**
 * Why the server cannot be reached, or undefined when it answers (with anything). The
 * downloader retries a host that is unknown or refuses for minutes, and says nothing meanwhile.
 */
async function reach(server: string): Promise<string | undefined> {
  try {
    const answer = await fetch(server, { method: 'HEAD', signal: AbortSignal.timeout(REACH_TIMEOUT_MS) });
    await answer.body?.cancel();
    return undefined;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if ((error as Error).name === 'TimeoutError') return `no answer within ${REACH_TIMEOUT_MS / 1000} s`;
    return cause?.code ?? cause?.message ?? (error as Error).message;
  }
}

/**
 * `portico pull URI`: downloads a GGUF model through node-llama-cpp's downloader (parallel
 * ranges, a progress bar, and a broken download resumed where it stopped on the next pull),
 * into the first models folder. A file already there in full is not downloaded again.
 */
export const pullCommand: Command = {
  summary: 'Downloads a GGUF model from Hugging Face or a URL into the models folder.',
  usage: USAGE,
  maxArguments: 1,
  options: { 'models-dir': { type: 'string', multiple: true } },
  run: pull,
};

async function pull(positionals: string[], values: Values): Promise<number> {
  const [uri] = positionals;
  if (!uri) throw new UsageError('give a model to pull: hf:OWNER/REPO/FILE.gguf or a URL');
  const dirs = values['models-dir'];
  const dirPath = (Array.isArray(dirs) ? dirs[0] : undefined) ?? defaultModelsDirs(process.env)[0]!;
  const server = serverOf(uri);
  const unreachable = server && (await reach(server));
  if (unreachable) {
    process.stderr.write(`portico: could not pull ${uri}: ${server} cannot be reached (${unreachable})\n`);
    return 1;
  }
  try {
    const { createModelDownloader } = await import('node-llama-cpp');
    const downloader = await createModelDownloader({
      modelUri: uri,
      dirPath,
      ...fileName(uri),
      showCliProgress: process.stderr.isTTY === true,
      deleteTempFileOnCancel: false,
    });
    const path = await downloader.download();
    const name = basename(downloader.entrypointFilename).replace(/(-00001-of-\d{5})?\.gguf$/i, '');
    process.stderr.write(`Saved ${path}\nServed as local/${name}: npx portico serve\n`);
    return 0;
  } catch (error) {
    process.stderr.write(
      `portico: could not pull ${uri}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}
