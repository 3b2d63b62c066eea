import type { LlamaChatResponse } from 'node-llama-cpp';
import type { FinishReason } from '../provider.ts';

export type StopReason = LlamaChatResponse['metadata']['stopReason'];

/** node-llama-cpp's reason for stopping as a finish reason. */
export function mapStopReason(reason: StopReason): FinishReason {
  switch (reason) {
    case 'maxTokens':
      return 'length';
    case 'functionCalls':
      return 'tool-calls';
    case 'eogToken':
    case 'stopGenerationTrigger':
    case 'customStopTrigger':
    case 'abort':
      return 'stop';
  }
}
