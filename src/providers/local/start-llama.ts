import { availableParallelism } from 'node:os';
import type { Llama, LlamaGpuType } from 'node-llama-cpp';
import type { Logger } from '../../logger.ts';
import { defaultThreadCount } from './default-thread-count.ts';

export interface LlamaRuntime {
  llama: Llama;
  /** Threads each context evaluates with, and the most all contexts use together. */
  threads: number;
}

/**
 * Starts llama.cpp's bindings with the prebuilt binary for `gpu` (`build: 'never'`: a missing
 * binary fails at once instead of compiling llama.cpp for minutes). Its log lines of level
 * error and above go to `logger`; load-time warnings about odd vocabularies are dropped.
 * node-llama-cpp is imported here, at the first use of a local model, so a server that only
 * proxies never loads it (it costs ~0.3 s and tens of MB at start).
 */
export async function startLlama(
  gpu: 'auto' | LlamaGpuType,
  threads: number | undefined,
  logger: Logger,
): Promise<LlamaRuntime> {
  const { getLlama, LlamaLogLevel, NoBinaryFoundError } = await import('node-llama-cpp');
  const backend = gpu === 'auto' ? false : gpu;
  let llama: Llama;
  try {
    llama = await getLlama({
      gpu,
      build: 'never',
      progressLogs: false,
      logLevel: LlamaLogLevel.error,
      logger: (level, message) => {
        const text = message.trim();
        if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal)
          logger.error(`llama.cpp: ${text}`);
        else logger.warn(`llama.cpp: ${text}`);
      },
    });
  } catch (error) {
    // Its own message is the class name alone.
    if (backend && error instanceof NoBinaryFoundError) throw backendUnavailable(backend);
    throw error;
  }
  // A backend the platform lacks (metal on Linux) falls back to the CPU without a word: one asked for by name must not.
  if (backend && llama.gpu !== backend) {
    await llama.dispose();
    throw backendUnavailable(backend);
  }
  const resolved = threads ?? defaultThreadCount(availableParallelism(), llama.cpuMathCores);
  llama.maxThreads = resolved;
  return { llama, threads: resolved };
}

function backendUnavailable(backend: string): Error {
  return new Error(
    `llama.cpp cannot run on '${backend}' here: node-llama-cpp has no prebuilt binary for it that loads on this machine (no such GPU, or its driver or runtime libraries are missing). Set local.gpu (PORTICO_LOCAL_GPU) to 'auto' or false.`,
  );
}
