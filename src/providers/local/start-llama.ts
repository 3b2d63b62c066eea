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
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const llama = await getLlama({
    gpu,
    build: 'never',
    progressLogs: false,
    logLevel: LlamaLogLevel.error,
    logger: (level, message) => {
      const text = message.trim();
      if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) logger.error(`llama.cpp: ${text}`);
      else logger.warn(`llama.cpp: ${text}`);
    },
  });
  const resolved = threads ?? defaultThreadCount(availableParallelism(), llama.cpuMathCores);
  llama.maxThreads = resolved;
  return { llama, threads: resolved };
}
