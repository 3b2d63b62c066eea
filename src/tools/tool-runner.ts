import type { NativeOutputItem } from '../api/response.ts';
import type { Tool, ToolChoice } from '../api/tools.ts';
import type { Item } from '../api/items.ts';
import type {
  HostedOpening,
  HostedResult,
  HostedToolCall,
  HostedToolRunner,
  OfferedTurn,
} from '../engine/hosted-tool-runner.ts';
import type { ModelEvent } from '../providers/provider.ts';
import { boundOutput } from './bound-output.ts';
import type { Annotation, BoundTool, ToolModule, ToolOutcome, ToolServices } from './hosted-tool.ts';

/** A request's hosted tool definition, bound to its response. */
export interface BoundDefinition {
  /** Its index in `turn.tools`. */
  index: number;
  /** Its path in the request (`tools[2]`). */
  path: string;
  module: ToolModule;
  tool: BoundTool;
}

/**
 * Runs a response's hosted tools: offers them to the model as functions, runs the model's
 * calls with the call timeout, shows each call as the tool's own item and hands the model
 * its (bounded) result as a function call output.
 */
export class ToolRunner implements HostedToolRunner {
  private readonly byName = new Map<string, BoundTool>();

  constructor(
    private readonly bound: readonly BoundDefinition[],
    private readonly services: ToolServices,
  ) {
    for (const { tool } of bound) for (const fn of tool.functions) this.byName.set(fn.name, tool);
  }

  offer({ turn, paths }: OfferedTurn): OfferedTurn {
    const tools: Tool[] = [];
    const offeredPaths: string[] = [];
    turn.tools.forEach((tool, index) => {
      const bound = this.bound.find((entry) => entry.index === index);
      const offered = bound ? bound.tool.functions : [tool];
      tools.push(...offered);
      offeredPaths.push(...offered.map(() => paths[index] ?? `tools[${index}]`));
    });
    const replays = new Map(
      this.bound.flatMap(({ module }) => module.itemTypes.map((type) => [type, module])),
    );
    const items = turn.items.flatMap(
      (item) => replays.get(item.type)?.replay(item, this.services.newId) ?? [item],
    );
    return { turn: { ...turn, tools, items, toolChoice: this.choice(turn.toolChoice) }, paths: offeredPaths };
  }

  async open(signal: AbortSignal): Promise<HostedOpening> {
    const events = this.bound.flatMap(({ tool }) => tool.opening ?? []);
    const items: Item[] = [];
    for (const { tool } of this.bound) {
      if (!tool.resume) continue;
      const resumed = tool.resume(signal);
      for (let next = await resumed.next(); ; next = await resumed.next()) {
        if (next.done) {
          items.push(...next.value);
          break;
        }
        events.push(next.value);
      }
    }
    return { events, items };
  }

  cite(text: string): Annotation[] {
    return this.bound.flatMap(({ tool }) => tool.cite?.(text) ?? []);
  }

  runs(name: string): boolean {
    return this.byName.has(name);
  }

  async *run(call: HostedToolCall, signal: AbortSignal): AsyncGenerator<ModelEvent, HostedResult, undefined> {
    const tool = this.byName.get(call.name)!;
    const { callTimeoutMs, maxOutputChars } = this.services.config;
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new Error(`The call took longer than ${callTimeoutMs} ms and was stopped.`)),
      callTimeoutMs,
    );
    const callSignal = AbortSignal.any([signal, timeout.signal]);
    let shown: NativeOutputItem | undefined;
    let outcome: ToolOutcome;
    try {
      const running = tool.run(
        { callId: call.callId, name: call.name, arguments: call.input },
        { signal: callSignal },
      );
      for (let next = await running.next(); ; next = await running.next()) {
        if (next.done) {
          outcome = next.value;
          break;
        }
        if (next.value.type === 'native-item-start') shown = next.value.item;
        yield next.value;
      }
    } catch (error) {
      // The client left: nothing more to show. Anything else is the model's to hear about.
      if (signal.aborted) throw error;
      const reason = timeout.signal.aborted ? timeout.signal.reason : error;
      const message = reason instanceof Error ? reason.message : String(reason);
      this.services.logger.warn('built-in tool call failed', { tool: call.name, error: message });
      if (!shown) throw error;
      outcome = { item: { ...shown, status: 'failed' }, output: `The tool failed: ${message}` };
    } finally {
      clearTimeout(timer);
    }
    yield { type: 'native-item', item: outcome.item };
    if ('awaitsClient' in outcome) return { items: [], awaitsClient: true };
    return {
      items: [
        {
          type: 'function_call',
          id: this.services.newId('fc'),
          call_id: call.callId,
          name: call.name,
          arguments: call.input,
        },
        {
          type: 'function_call_output',
          id: this.services.newId('fco'),
          call_id: call.callId,
          output: boundOutput(outcome.output, maxOutputChars),
        },
      ],
    };
  }

  /** A `tool_choice` that forces a hosted tool, as the functions it offers. */
  private choice(choice: ToolChoice): ToolChoice {
    if (typeof choice === 'string') return choice;
    if (choice.type === 'allowed_tools' && 'tools' in choice && Array.isArray(choice.tools)) {
      const tools = (choice.tools as Array<Exclude<ToolChoice, string>>).flatMap((entry) => {
        const names = this.forced(entry);
        return names ? names.map((name) => ({ type: 'function', name })) : [entry];
      });
      return { ...choice, tools };
    }
    const names = this.forced(choice);
    if (!names) return choice;
    if (names.length === 1) return { type: 'function', name: names[0]! };
    return {
      type: 'allowed_tools',
      mode: 'required',
      tools: names.map((name) => ({ type: 'function', name })),
    };
  }

  /** The functions a choice of a hosted tool forces; undefined when it names none of them. */
  private forced(choice: Exclude<ToolChoice, string>): string[] | undefined {
    const matching = this.bound.filter(({ module }) => module.types.includes(choice.type));
    if (matching.length === 0) return undefined;
    const names = matching.flatMap(
      ({ tool }) => tool.forcedBy?.(choice) ?? tool.functions.map((fn) => fn.name),
    );
    return names.length > 0 ? [...new Set(names)] : undefined;
  }
}
