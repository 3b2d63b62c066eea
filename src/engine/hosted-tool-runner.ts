import type { Item } from '../api/items.ts';
import type { ModelEvent, Turn } from '../providers/provider.ts';

/** One call the model made to a tool that Portico runs itself. */
export interface HostedToolCall {
  callId: string;
  /** The tool's name as the model called it (a hosted tool is offered to it as a function). */
  name: string;
  kind: 'function' | 'custom';
  /** The call's arguments (a function) or input (a custom tool), complete. */
  input: string;
}

/**
 * The plug point of built-in tools (code interpreter, file search, MCP, web search) in the
 * engine's loop of model turns. The engine offers the turn through `offer`, keeps the model's
 * calls to the tools `runs` names out of the client's view, runs them (several at once when
 * the model asked for several; events reach the client in call order), and starts another
 * turn with what they return, until the model answers or calls a client function.
 */
export interface HostedToolRunner {
  /** The turn as the model sees it: hosted tools offered as tools it can call. */
  offer(turn: Turn): Turn;
  /** Whether this runner executes the model's calls to the tool of this name. */
  runs(name: string): boolean;
  /**
   * Executes one call. Yields what the client sees, as model events (`native-item-start`,
   * `native-item-event` with the tool's own stream events, `native-item` with its final
   * item); returns the items the model sees in its next turn (its call and the result).
   * `signal` aborts when the client leaves or the response is cancelled.
   */
  run(call: HostedToolCall, signal: AbortSignal): AsyncGenerator<ModelEvent, Item[], undefined>;
}

/** The runner for a turn's hosted tools, or undefined when the turn has none that Portico runs. */
export type HostedToolsFactory = (turn: Turn) => HostedToolRunner | undefined;
