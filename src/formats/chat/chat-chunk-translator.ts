import type {
  ChatUsage,
  ChatLogprobs,
  ChatCompletionChunk,
  ChatDelta,
  ChatFinishReason,
  ChatStreamItem,
} from '../../api/chat-completions.ts';
import type { OutputFunctionCall, OutputItem, ResponseObject } from '../../api/response.ts';
import type { ResponseStreamEvent } from '../../api/stream-events.ts';
import type { TokenLogprob } from '../../providers/provider.ts';
import { chatCompletionId } from './chat-completion-id.ts';
import { failedResponseError } from '../failed-response-error.ts';
import { mapFinishReason } from './map-finish-reason.ts';
import { mapUsage } from './map-usage.ts';

interface StreamedCall {
  /** The call's position among this answer's tool calls: the `index` chat clients merge by. */
  index: number;
  /** The arguments sent so far, to send only what `arguments.done` adds. */
  sent: string;
}

/**
 * Turns the engine's Responses events into chat.completion.chunk objects, one event at a time:
 * the role first, then text, refusal and `reasoning_content` deltas, each tool call announced
 * with its id and name and then its argument deltas by index, the finish reason, and the usage
 * when asked for. A failed response becomes one `{error}` item, after which nothing follows.
 */
export class ChatChunkTranslator {
  /** The usage of the response, once it ended. */
  usage: ChatUsage | undefined;
  private head: Pick<ChatCompletionChunk, 'id' | 'created' | 'model'> | undefined;
  private readonly calls = new Map<string, StreamedCall>();

  /**
   * `index` is the choice the chunks belong to (`n` choices run one after another);
   * `usageChunk: false` leaves the final usage chunk to the caller, which sums the choices.
   */
  constructor(
    private readonly includeUsage: boolean,
    private readonly index = 0,
    private readonly usageChunk = true,
    /** Whether the client asked for log probabilities (`logprobs: true`). */
    private readonly logprobs = false,
  ) {}

  translate(event: ResponseStreamEvent): ChatStreamItem[] {
    switch (event.type) {
      case 'response.created':
        this.head = {
          id: chatCompletionId(event.response.id),
          created: event.response.created_at,
          model: event.response.model,
        };
        return [this.chunk({ role: 'assistant', content: '', refusal: null })];
      case 'response.output_text.delta':
        if (!event.delta) return [];
        return [
          this.chunk(
            { content: event.delta },
            null,
            this.logprobs ? { content: event.logprobs as TokenLogprob[], refusal: null } : null,
          ),
        ];
      case 'response.refusal.delta':
        return event.delta ? [this.chunk({ refusal: event.delta })] : [];
      case 'response.reasoning_text.delta':
      case 'response.reasoning_summary_text.delta':
        return event.delta ? [this.chunk({ reasoning_content: event.delta })] : [];
      case 'response.output_item.added':
        return isFunctionCall(event.item) ? [this.startCall(event.item)] : [];
      case 'response.function_call_arguments.delta':
        return this.callArguments(event.item_id, event.delta);
      case 'response.function_call_arguments.done': {
        const sent = this.calls.get(event.item_id)?.sent ?? '';
        return event.arguments.startsWith(sent)
          ? this.callArguments(event.item_id, event.arguments.slice(sent.length))
          : [];
      }
      case 'response.completed':
      case 'response.incomplete':
        return this.finish(event.response);
      case 'response.failed':
        return [failedResponseError(event.response).toJSON()];
      case 'error':
        return [
          { error: { message: event.message, type: 'server_error', param: event.param, code: event.code } },
        ];
      default:
        return [];
    }
  }

  private startCall(item: OutputFunctionCall): ChatCompletionChunk {
    const index = this.calls.size;
    this.calls.set(item.id, { index, sent: '' });
    return this.chunk({
      tool_calls: [
        { index, id: item.call_id, type: 'function', function: { name: item.name, arguments: '' } },
      ],
    });
  }

  private callArguments(itemId: string, delta: string): ChatCompletionChunk[] {
    const call = this.calls.get(itemId);
    if (!call || !delta) return [];
    call.sent += delta;
    return [this.chunk({ tool_calls: [{ index: call.index, function: { arguments: delta } }] })];
  }

  private finish(response: ResponseObject): ChatStreamItem[] {
    const reason = mapFinishReason(response) ?? 'stop';
    const chunks = [this.chunk({}, reason)];
    this.usage = mapUsage(response.usage);
    if (this.includeUsage && this.usageChunk) chunks.push(this.usageOnly(this.usage));
    return chunks;
  }

  /** The last chunk under `include_usage`: no choices, the usage. */
  usageOnly(usage: ChatUsage): ChatCompletionChunk {
    return { ...this.chunk({}), choices: [], usage };
  }

  private chunk(
    delta: ChatDelta,
    finishReason: ChatFinishReason | null = null,
    logprobs: ChatLogprobs | null = null,
  ): ChatCompletionChunk {
    if (!this.head) throw new Error('a chat chunk before response.created');
    return {
      ...this.head,
      object: 'chat.completion.chunk',
      choices: [{ index: this.index, delta, logprobs, finish_reason: finishReason }],
      // With include_usage every chunk says `usage: null` but the last, as OpenAI streams them.
      ...(this.includeUsage ? { usage: null } : {}),
    };
  }
}

function isFunctionCall(item: OutputItem): item is OutputFunctionCall {
  return item.type === 'function_call';
}

/** The chunks of a whole event stream; it stops at an error item, which ends the stream. */
export async function* chatChunks(
  events: AsyncIterable<ResponseStreamEvent>,
  translator: ChatChunkTranslator,
): AsyncGenerator<ChatStreamItem, void, undefined> {
  for await (const event of events) {
    for (const item of translator.translate(event)) {
      yield item;
      if ('error' in item) return;
    }
  }
}
