/**
 * Threads llama.cpp evaluates with when none are configured. One core is left to Node's
 * event loop, which samples, detokenizes and serves HTTP between decode steps (on a 2-core
 * machine, 2 threads ran 10-25x slower than 1); SMT siblings are not counted (`mathCores`
 * is llama.cpp's count of cores worth using for math). Parallel sequences do not add
 * threads: a context evaluates all of its sequences in one batched decode per step.
 */
export function defaultThreadCount(availableParallelism: number, mathCores: number): number {
  return Math.max(1, Math.min(mathCores, availableParallelism - 1));
}
