import type {
  AnswerBlock,
  BlockDelta,
  MessageObject,
  MessageStreamEvent,
} from '../../api/anthropic-answer.ts';
import type { AnthropicReasoningBlock } from '../../api/anthropic-messages.ts';
import type { OutputFunctionCall, OutputReasoning, ResponseObject } from '../../api/response.ts';
import type { ResponseStreamEvent } from '../../api/stream-events.ts';
import { failedResponseError } from '../failed-response-error.ts';
import { anthropicErrorBody } from './anthropic-error.ts';
import { anthropicStop } from './anthropic-stop-reason.ts';
import { messageId } from './message-id.ts';
import { messageUsage } from './message-usage.ts';
import { thinkingBlocks } from './thinking-blocks.ts';

interface Block {
  index: number;
  /** What it wrote while an earlier block was still streaming: Anthropic streams one block at a time. */
  held: MessageStreamEvent[];
  stopped: boolean;
}

/**
 * Turns the engine's Responses events into the Messages API's stream, one event at a time:
 * `message_start`, then each content block (text, thinking, tool_use) from its start through
 * its deltas to its stop, then `message_delta` with the stop reason and usage, and
 * `message_stop`. Blocks are numbered as they start; parallel tool calls that stream side by
 * side are sent one after the other. A failed response becomes one `error` event, the last.
 */
export class MessageEventTranslator {
  private next = 0;
  /** Blocks started and not yet sent to their stop, in order: the first streams, the others wait. */
  private readonly queue: Block[] = [];
  /** Blocks not yet stopped: a text part by `item:part`, a reasoning item or a call by its item id. */
  private readonly open = new Map<string, Block>();
  /** The thinking text each reasoning item streamed, and the arguments each call did. */
  private readonly streamed = new Map<string, string>();
  private readonly out: MessageStreamEvent[] = [];

  /** `model`: the name the client asked for, which its answer carries. */
  constructor(private readonly model: string) {}

  translate(event: ResponseStreamEvent): MessageStreamEvent[] {
    switch (event.type) {
      case 'response.created':
        this.out.push({ type: 'message_start', message: this.startMessage(event.response) });
        break;
      case 'response.output_item.added':
        if (event.item.type === 'function_call') {
          const call = event.item as OutputFunctionCall;
          this.start(call.id, { type: 'tool_use', id: call.call_id, name: call.name, input: {} });
        }
        break;
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        this.text(`${event.item_id}:${event.content_index}`, event.delta);
        break;
      case 'response.content_part.done':
        this.stop(`${event.item_id}:${event.content_index}`);
        break;
      case 'response.reasoning_text.delta':
      case 'response.reasoning_summary_text.delta':
        this.think(event.item_id, event.delta);
        break;
      case 'response.function_call_arguments.delta':
        this.callArguments(event.item_id, event.delta);
        break;
      case 'response.function_call_arguments.done': {
        const sent = this.streamed.get(event.item_id) ?? '';
        if (event.arguments.startsWith(sent))
          this.callArguments(event.item_id, event.arguments.slice(sent.length));
        break;
      }
      case 'response.output_item.done':
        if (event.item.type === 'reasoning') this.endReasoning(event.item as OutputReasoning);
        else this.stop(event.item.id!);
        break;
      case 'response.completed':
      case 'response.incomplete':
        this.finish(event.response);
        break;
      case 'response.failed':
        this.out.push(anthropicErrorBody(failedResponseError(event.response)));
        break;
      case 'error':
        this.out.push({ type: 'error', error: { type: 'api_error', message: event.message } });
        break;
    }
    return this.out.splice(0);
  }

  private startMessage(response: ResponseObject): MessageObject {
    return {
      id: messageId(response.id),
      type: 'message',
      role: 'assistant',
      model: this.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: messageUsage(null),
    };
  }

  private start(key: string, block: AnswerBlock): void {
    const started: Block = { index: this.next++, held: [], stopped: false };
    this.open.set(key, started);
    this.queue.push(started);
    this.send(started, { type: 'content_block_start', index: started.index, content_block: block });
  }

  private delta(key: string, delta: BlockDelta): void {
    const block = this.open.get(key);
    if (block) this.send(block, { type: 'content_block_delta', index: block.index, delta });
  }

  private stop(key: string): void {
    const block = this.open.get(key);
    if (!block) return;
    this.open.delete(key);
    this.send(block, { type: 'content_block_stop', index: block.index });
    block.stopped = true;
    // The streaming block ended: the next ones send what they held, up to one still streaming.
    while (this.queue[0]?.stopped) {
      this.queue.shift();
      const head = this.queue[0];
      if (head) this.out.push(...head.held.splice(0));
    }
  }

  private send(block: Block, event: MessageStreamEvent): void {
    if (this.queue[0] === block) this.out.push(event);
    else block.held.push(event);
  }

  /** A text block starts with its first text: an empty part has none, as in the whole answer. */
  private text(key: string, text: string): void {
    if (!text) return;
    if (!this.open.has(key)) this.start(key, { type: 'text', text: '' });
    this.delta(key, { type: 'text_delta', text });
  }

  private think(itemId: string, thinking: string): void {
    if (!thinking) return;
    if (!this.open.has(itemId)) this.start(itemId, { type: 'thinking', thinking: '', signature: '' });
    this.streamed.set(itemId, (this.streamed.get(itemId) ?? '') + thinking);
    this.delta(itemId, { type: 'thinking_delta', thinking });
  }

  private callArguments(itemId: string, partial: string): void {
    if (!partial) return;
    this.streamed.set(itemId, (this.streamed.get(itemId) ?? '') + partial);
    this.delta(itemId, { type: 'input_json_delta', partial_json: partial });
  }

  /**
   * A reasoning item's blocks, once its signature (or its own thinking blocks) is known: the
   * block that streamed its text gets the first block's signature, and any further blocks
   * (redacted thinking) follow whole.
   */
  private endReasoning(item: OutputReasoning): void {
    const text = this.streamed.get(item.id) ?? '';
    this.streamed.delete(item.id);
    let blocks = thinkingBlocks(item, text);
    if (this.open.has(item.id)) {
      const first = blocks[0];
      if (first?.type === 'thinking' && first.signature)
        this.delta(item.id, { type: 'signature_delta', signature: first.signature });
      this.stop(item.id);
      blocks = blocks.slice(1);
    }
    blocks.forEach((block, index) => this.whole(`${item.id}#${index}`, block));
  }

  private whole(key: string, block: AnthropicReasoningBlock): void {
    if (block.type === 'redacted_thinking') {
      this.start(key, block);
      return this.stop(key);
    }
    this.start(key, { type: 'thinking', thinking: '', signature: '' });
    if (block.thinking) this.delta(key, { type: 'thinking_delta', thinking: block.thinking });
    if (block.signature) this.delta(key, { type: 'signature_delta', signature: block.signature });
    this.stop(key);
  }

  private finish(response: ResponseObject): void {
    for (const key of [...this.open.keys()]) this.stop(key);
    this.out.push(
      {
        type: 'message_delta',
        delta: anthropicStop(response) ?? { stop_reason: 'end_turn', stop_sequence: null },
        usage: messageUsage(response.usage),
      },
      { type: 'message_stop' },
    );
  }
}
