import type { ModelEvent } from '../provider.ts';
import type { ChatToolCallDelta } from './chat-wire.ts';
import { decodeCustomToolInput } from '../http/custom-tool-input.ts';

interface OpenCall {
  callId: string | undefined;
  name: string | undefined;
  custom: boolean;
  started: boolean;
  /** Arguments held back: before the name is known, and for custom tools until the call ends. */
  held: string;
}

/**
 * Tool calls streamed as deltas keyed by `index`: the first delta of a call carries its id and
 * name, the rest argument fragments. A call starts once its name is known; a new id at a known
 * index (servers that reuse index 0) ends the previous call and starts another, and an id the
 * turn used already is made fresh.
 */
export class ChatToolCalls {
  /** Whether any call was started: a turn that called tools finishes as `tool-calls`. */
  called = false;
  private readonly open = new Map<number, OpenCall>();
  /** The ids of the calls started so far: an id a server repeats is replaced by a fresh one. */
  private readonly started = new Set<string>();

  constructor(
    private readonly customToolNames: ReadonlySet<string>,
    private readonly newCallId: () => string,
  ) {}

  push(deltas: readonly ChatToolCallDelta[]): ModelEvent[] {
    const out: ModelEvent[] = [];
    deltas.forEach((delta, position) => {
      const key = delta.index ?? position;
      let call = this.open.get(key);
      if (call?.callId && delta.id && delta.id !== call.callId) {
        out.push(...this.close(key, call));
        call = undefined;
      }
      if (!call) {
        call = { callId: undefined, name: undefined, custom: false, started: false, held: '' };
        this.open.set(key, call);
      }
      if (!call.started) {
        call.callId ??= delta.id ?? undefined;
        call.name ??= delta.function?.name ?? undefined;
      }
      const args = delta.function?.arguments ?? '';
      if (call.started) {
        if (call.custom) call.held += args;
        else if (args) out.push({ type: 'tool-call-delta', callId: call.callId!, delta: args });
        return;
      }
      call.held += args;
      if (call.name) out.push(...this.start(call));
    });
    return out;
  }

  /** Ends every open call (at the finish reason, or when the stream ends). */
  closeAll(): ModelEvent[] {
    const out: ModelEvent[] = [];
    for (const [key, call] of this.open) out.push(...this.close(key, call));
    return out;
  }

  private start(call: OpenCall): ModelEvent[] {
    // Two calls under one id would be one to the client (its output says which call it answers).
    if (call.callId !== undefined && this.started.has(call.callId)) call.callId = undefined;
    const callId = (call.callId ??= this.newCallId());
    this.started.add(callId);
    call.started = true;
    call.custom = this.customToolNames.has(call.name!);
    this.called = true;
    const out: ModelEvent[] = [
      { type: 'tool-call-start', callId, name: call.name!, kind: call.custom ? 'custom' : 'function' },
    ];
    if (!call.custom && call.held) out.push({ type: 'tool-call-delta', callId, delta: call.held });
    if (!call.custom) call.held = '';
    return out;
  }

  private close(key: number, call: OpenCall): ModelEvent[] {
    this.open.delete(key);
    if (!call.started) return []; // never named: nothing was announced, nothing to end
    const callId = call.callId!;
    const out: ModelEvent[] = [];
    if (call.custom) {
      const input = decodeCustomToolInput(call.held);
      if (input) out.push({ type: 'tool-call-delta', callId, delta: input });
    }
    out.push({ type: 'tool-call-end', callId });
    return out;
  }
}
