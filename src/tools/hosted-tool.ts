import type { Item } from '../api/items.ts';
import type { NativeOutputItem } from '../api/response.ts';
import type { FunctionTool, Tool, ToolChoice } from '../api/tools.ts';
import type { ToolsConfig } from '../config/tools-config.ts';
import type { IdGenerator } from '../engine/ids.ts';
import type { Logger } from '../logger.ts';
import type { ModelEvent } from '../providers/provider.ts';
import type { Owner } from '../store/owner.ts';
import type { Stores } from '../store/stores.ts';
import type { VectorStoreService } from '../retrieval/vector-store-service.ts';

/**
 * What every tool may use, the same for all requests of one owner: the owner's stores (every
 * read and write scoped to `owner`), the config, the outside world (injected so tests control it).
 */
export interface ToolServices {
  /** The project of the request's key: everything a tool stores or reads belongs to it. */
  owner: Owner;
  stores: Stores;
  config: ToolsConfig;
  /** For URLs a request names (an MCP `server_url`): public addresses and allowed networks only. */
  clientFetch: typeof fetch;
  /** For URLs the config names (the search backend): any address, but no redirect elsewhere. */
  operatorFetch: typeof fetch;
  newId: IdGenerator;
  /** Milliseconds since the epoch. */
  now: () => number;
  logger: Logger;
  /** Vector-store search (file_search). */
  vectorStores: VectorStoreService;
}

/** What a tool is given for one response, besides its definition. */
export interface BindContext {
  services: ToolServices;
  /** The definition's path in the request (`tools[2]`), for errors that name it. */
  path: string;
  /** The history and input the response reads (earlier calls, tool lists, approvals). */
  items: readonly Item[];
  /** This request's own input: the last items of `items` (approvals the client answers now). */
  input: readonly Item[];
  /** The request's `include` (`web_search_call.action.sources`, ...). */
  include: readonly string[];
  /** Aborts when the client leaves before the response starts. */
  signal: AbortSignal;
}

/** One call of the model to a function a tool offered. */
export interface ToolCall {
  callId: string;
  /** The function's name as offered. */
  name: string;
  /** The arguments as the model wrote them: maybe not JSON, maybe not what was asked. */
  arguments: string;
}

/** How a call ended. */
export type ToolOutcome =
  /** The call ran (or failed in a way the model should hear about): `output` is what it sees. */
  | { item: NativeOutputItem; output: string }
  /** The call waits for the client (an approval): the response ends with `item`. */
  | { item: NativeOutputItem; awaitsClient: true };

/** What a call may use while it runs. */
export interface CallContext {
  /** Aborts when the client leaves, the response is cancelled or the call's time is up. */
  signal: AbortSignal;
}

/**
 * One hosted tool definition of a request, bound to its response: the functions it offers the
 * model, and how it runs their calls.
 */
export interface BoundTool {
  /** Offered to the model in place of the definition; names unique within the turn. */
  readonly functions: readonly FunctionTool[];
  /**
   * The functions a `tool_choice` of this tool's type forces (`{type: "mcp", server_label,
   * name}`); undefined: not this tool. Without it, a choice of its type forces all its functions.
   */
  forcedBy?(choice: Exclude<ToolChoice, string>): readonly string[] | undefined;
  /** Items made while binding (an MCP server's tool list), shown before the first model turn. */
  readonly opening?: readonly ModelEvent[];
  /**
   * Work the client asked for in this request, done when the response starts (never while a
   * context is only built): calls it approved. Yields their events; returns the items the
   * model reads after its input.
   */
  resume?(signal: AbortSignal): AsyncGenerator<ModelEvent, Item[], undefined>;
  /**
   * Runs one call. Yields the client's view of it as model events (`native-item-start`,
   * `native-item-event` with the tool's own `response.<type>.*` events, `native-item`);
   * returns the final item and what the model sees.
   */
  run(call: ToolCall, context: CallContext): AsyncGenerator<ModelEvent, ToolOutcome, undefined>;
  /**
   * Citations of what this tool found in a finished message of the model (a URL of a search
   * result, a file it wrote): annotations on `text`, with their character ranges.
   */
  cite?(text: string): Annotation[];
}

/** An annotation on a message's text (`url_citation`, `container_file_citation`, `file_citation`). */
export interface Annotation {
  type: string;
  [field: string]: unknown;
}

/** One tool type behind the interface: `tools/<name>/` exports one of these. */
export interface ToolModule {
  /** The `type`s of request tools it runs (`web_search`, `web_search_preview`, ...). */
  readonly types: readonly string[];
  /** The output item types it makes, which it turns back into calls and results for the model. */
  readonly itemTypes: readonly string[];
  /**
   * Checks a definition (a 400 naming `path` when it is wrong) and binds it to a response.
   * May reach out (an MCP server lists its tools); a failure to do so is the request's.
   * Undefined: Portico cannot run it here (no search backend configured), and the
   * `hosted_tools` policy decides, as for any tool nobody runs.
   */
  bind(definition: Tool, context: BindContext): Promise<BoundTool | undefined>;
  /**
   * A stored item of this tool from the history, as the model sees it: a function call and its
   * output, or nothing (a tool list is the model's tools, not its history).
   */
  replay(item: Item, newId: IdGenerator): Item[];
}

/** A hosted call from the history as the model sees it: the function call it made, and that call's output. */
export function replayedCall(
  newId: IdGenerator,
  callId: string,
  name: string,
  args: string,
  output: string,
): Item[] {
  return [
    { type: 'function_call', id: newId('fc'), call_id: callId, name, arguments: args },
    { type: 'function_call_output', id: newId('fco'), call_id: callId, output },
  ];
}
