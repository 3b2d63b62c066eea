import type { Item } from '../api/items.ts';
import type { ModelEvent, Provider, Turn } from '../providers/provider.ts';

/** One call the model made to a tool that Portico runs itself. */
export interface HostedToolCall {
  callId: string;
  /** The tool's name as the model called it (a hosted tool is offered to it as a function). */
  name: string;
  kind: 'function' | 'custom';
  /** The call's arguments (a function) or input (a custom tool), complete. */
  input: string;
}

/** What one hosted call leaves behind. */
export interface HostedResult {
  /** The items the model sees in its next turn: its call and the result. */
  items: Item[];
  /**
   * The call waits for the client (an MCP call that needs approval): the response ends after
   * this turn's calls, and the client's next request carries the answer.
   */
  awaitsClient?: boolean;
}

/** What the hosted tools show and hand the model before the first model turn. */
export interface HostedOpening {
  events: ModelEvent[];
  items: Item[];
}

/** A turn as offered to the model, and where the client gave each of its tools. */
export interface OfferedTurn {
  turn: Turn;
  /** `tools[i]` of the request for each of `turn.tools` (several functions may share one path). */
  paths: string[];
}

/**
 * The plug point of built-in tools (code interpreter, file search, MCP, web search) in the
 * engine's loop of model turns. The engine offers the turn through `offer`, shows what `open`
 * made first, keeps the model's calls to the tools `runs` names out of the client's view, runs them
 * (several at once when the model asked for several; events reach the client in call order),
 * and starts another turn with what they return, until the model answers, calls a client
 * function or a call waits for the client.
 */
export interface HostedToolRunner {
  /**
   * The turn as the model sees it: hosted tools offered as functions it can call (in place of
   * their definitions, so `paths` still name the client's tools), a `tool_choice` forcing one
   * mapped onto its functions, and the hosted items of the history as calls and results.
   */
  offer(offered: OfferedTurn): OfferedTurn;
  /**
   * Runs once the response starts, before its first model turn: what the client sees first, as
   * model events (an MCP server's tool list, the calls the client approved in this request),
   * and the items the model reads after its input (those calls and their results). Nothing
   * runs while a context is only built (a background response queued, tokens counted).
   */
  open(signal: AbortSignal): Promise<HostedOpening>;
  /** Whether this runner executes the model's calls to the tool of this name. */
  runs(name: string): boolean;
  /**
   * Executes one call. Yields what the client sees, as model events (`native-item-start`,
   * `native-item-event` with the tool's own stream events, `native-item` with its final
   * item); returns what the model sees next. `signal` aborts when the client leaves or the
   * response is cancelled.
   */
  run(call: HostedToolCall, signal: AbortSignal): AsyncGenerator<ModelEvent, HostedResult, undefined>;
  /** Citations of what the tools found in a finished part of the model's text, with their ranges in it. */
  cite?(text: string): Array<{ type: string; [field: string]: unknown }>;
}

/** What the runner of a response's hosted tools is built from. */
export interface HostedToolsRequest {
  /** The first turn, with the client's tools in `turn.tools` and their paths. */
  offered: OfferedTurn;
  /** How many of `offered.turn.items` are history; the rest is this request's input. */
  historyLength: number;
  /** The model's provider: a hosted tool it runs itself may be left to it. */
  provider: Provider;
  /** Aborts when the client leaves before the response starts. */
  signal: AbortSignal;
}

/**
 * The runner for a turn's hosted tools, or undefined when the turn has none that Portico runs.
 * Asynchronous: a tool may ask its server what it offers (MCP) before the first turn. Failures
 * here are the request's (a 400 naming the tool, a 424 for a server that cannot be reached).
 */
export type HostedToolsFactory = (request: HostedToolsRequest) => Promise<HostedToolRunner | undefined>;
