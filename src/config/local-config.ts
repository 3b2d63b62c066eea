import { z } from 'zod';
import type { LocalProviderOptions } from '../providers/local/local-provider.ts';
import { positiveNumber } from './env-number.ts';

const GPU_BACKENDS = ['auto', 'cuda', 'vulkan', 'metal'] as const;
const GPU_ERROR = "must be 'auto', 'cuda', 'vulkan', 'metal' or false";
const count = z.int('must be a whole number').positive('must be positive');

/** The `local` section of the config file: how GGUF models run in-process. */
export const LocalConfigFile = z.strictObject({
  /** llama.cpp's threads (PORTICO_LOCAL_THREADS); default one less than the cores. */
  threads: count.max(1024).optional(),
  /** GPU offload (PORTICO_LOCAL_GPU): a backend, `auto` (the best one found, else the CPU) or false. */
  gpu: z.union([z.literal(false), z.enum(GPU_BACKENDS)], { error: GPU_ERROR }).optional(),
  /** Requests each model serves at once; more wait in its queue. */
  parallel_sequences: count.max(64).optional(),
  /** Tokens per sequence (prompt and output; llama.cpp rounds it up to a multiple of 256); default the model's trained size, up to 8192. */
  context_size: count.min(256, 'must be at least 256 tokens').max(1_048_576).optional(),
});

export type LocalConfigFile = z.output<typeof LocalConfigFile>;

/** What the config decides of the local provider's settings; the rest keeps the provider's defaults. */
export type LocalConfig = Pick<LocalProviderOptions, 'threads' | 'gpu' | 'parallelSequences' | 'contextSize'>;

/** The file's `local` section over the environment's PORTICO_LOCAL_THREADS and PORTICO_LOCAL_GPU. */
export function resolveLocalConfig(file: LocalConfigFile | undefined, env: NodeJS.ProcessEnv): LocalConfig {
  const threads = file?.threads ?? positiveNumber(env, 'PORTICO_LOCAL_THREADS');
  const gpu = file?.gpu ?? gpuFromEnv(env);
  return {
    ...(threads !== undefined ? { threads } : {}),
    ...(gpu !== undefined ? { gpu } : {}),
    ...(file?.parallel_sequences !== undefined ? { parallelSequences: file.parallel_sequences } : {}),
    ...(file?.context_size !== undefined ? { contextSize: file.context_size } : {}),
  };
}

function gpuFromEnv(env: NodeJS.ProcessEnv): LocalConfig['gpu'] {
  const value = env.PORTICO_LOCAL_GPU?.trim();
  if (!value) return undefined;
  const gpu = parseGpu(value);
  if (gpu === undefined) throw new Error(`PORTICO_LOCAL_GPU ${GPU_ERROR}, not '${value.slice(0, 40)}'.`);
  return gpu;
}

/** A GPU setting written as text (`auto`, a backend, or `false`); undefined when it is none of them. */
export function parseGpu(value: string): LocalConfig['gpu'] {
  if (value === 'false') return false;
  return GPU_BACKENDS.find((name) => name === value);
}
