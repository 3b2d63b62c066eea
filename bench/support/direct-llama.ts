import { getLlama, LlamaChat, LlamaLogLevel, resolveChatWrapper, type LlamaGpuType } from 'node-llama-cpp';

export type DirectGpu = 'auto' | LlamaGpuType;

export interface DirectLlama {
  /** One greedy answer to `prompt` on a fresh sequence, its text chunks handed to `onText` as they come; its output tokens. */
  generate(prompt: string, maxTokens: number, onText: (text: string) => void): Promise<number>;
  /** The backend the model runs on: a GPU's, or false for the CPU. */
  gpu: LlamaGpuType;
  dispose(): Promise<void>;
}

/**
 * node-llama-cpp called directly, with its own defaults: one sequence, the model's context (at
 * most 8,192 tokens), `threads` threads, on `gpu` (every layer it can take). The baseline the local bench compares Portico with, in
 * the bench's process and behind a bare SSE server (llama-sse-server.ts).
 */
export async function openDirectLlama(
  modelPath: string,
  threads: number,
  gpu: DirectGpu,
): Promise<DirectLlama> {
  const llama = await getLlama({ gpu, build: 'never', logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({
    sequences: 1,
    threads,
    contextSize: { max: Math.min(model.trainContextSize, 8192) },
  });
  const chat = new LlamaChat({
    contextSequence: context.getSequence(),
    chatWrapper: resolveChatWrapper(model),
  });
  return {
    gpu: llama.gpu,
    async generate(prompt, maxTokens, onText) {
      await chat.sequence.clearHistory();
      const before = chat.sequence.tokenMeter.usedOutputTokens;
      await chat.generateResponse([{ type: 'user', text: prompt }], {
        maxTokens,
        temperature: 0,
        onTextChunk: onText,
      });
      return chat.sequence.tokenMeter.usedOutputTokens - before;
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}
