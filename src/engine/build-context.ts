import { checkRequestBounds } from '../api/check-request-bounds.ts';
import { badRequest } from '../api/errors.ts';
import type { Item } from '../api/items.ts';
import type { NativeOutputItem, Usage } from '../api/response.ts';
import type { CreateResponseRequest } from '../api/request.ts';
import type { Tool } from '../api/tools.ts';
import type { CatalogModel } from '../catalog/catalog-model.ts';
import type { Provider, Turn } from '../providers/provider.ts';
import { buildTurn } from './build-turn.ts';
import { flattenClientItems, type ClientCall } from './client-tools.ts';
import type { EngineContext } from './engine-context.ts';
import type { HostedToolRunner } from './hosted-tool-runner.ts';
import { fromLastCheckpoint } from './compaction-item.ts';
import { compactionTriggered } from './compaction-trigger.ts';
import { conversationItems, conversationOf } from './conversation-context.ts';
import { fitContext } from './fit-context.ts';
import { matchCallOutputs } from './match-call-outputs.ts';
import { previousResponseItems } from './load-history.ts';
import { resolveItemReferences } from './resolve-item-references.ts';
import { normalizeInput } from './normalize-input.ts';
import { offerTools } from './offer-tools.ts';
import { resolveFileParts } from './resolve-file-parts.ts';
import { resolveModel } from './resolve-model.ts';
import { settleUnsupported } from './settle-unsupported.ts';
import { validateTextFormat } from './validate-text-format.ts';
import { validateToolChoice } from './validate-tool-choice.ts';
import { prepareTools } from './validate-tools.ts';

/** Everything a response needs before its first model turn: the first step of the engine. */
export interface ResponseContext {
  request: CreateResponseRequest;
  model: CatalogModel;
  /** The model's provider, wrapped by the gateway when it wraps providers. */
  provider: Provider;
  /** The first model turn: the history, this request's input, settled tools and settings. */
  turn: Turn;
  /** The history this response reads (its chain or conversation), from its latest compaction on. */
  history: Item[];
  /** This request's input as stored: ids assigned, messages as lists of parts. */
  input: Item[];
  /**
   * How many of `turn.items`, first, are the stored prompt's messages (`prompt`): the
   * response's instructions, never dropped by truncation or compacted with the history.
   */
  promptLength: number;
  /** How many of `turn.items` come before this request's input: the prompt's, then the history. */
  historyLength: number;
  /** The conversation the response reads and appends to, if any. */
  conversation: string | undefined;
  /** How the model's calls map back to the client's namespaces and tool searches (client-tools.ts). */
  clientCalls: Map<string, ClientCall>;
  /** False for a warm-up and a compaction trigger: the context is built and checked, no model runs. */
  generate: boolean;
  /**
   * The input ends with a `compaction_trigger` that Portico answers (compaction-trigger.ts): the
   * response's one output item is the whole context compacted (fit-context.ts). The trigger is
   * stored with the input, but is not in `turn`.
   */
  compactionTriggered: boolean;
  /** The tools as the response echoes them. */
  echoTools: Tool[];
  /** What of the request was dropped or ignored because the model cannot take it; one line each. */
  warnings: string[];
  /** The built-in tools Portico runs in this response's loop, if any. */
  hostedTools: HostedToolRunner | undefined;
  /** The compaction item this response made (`context_management`, a trigger): its first output item. */
  compaction?: { item: NativeOutputItem; usage: Usage | undefined };
}

const never = new AbortController().signal;

/**
 * What a context is built for: `send`, its turn goes to the model; `check`, it is validated
 * (and counted) and its turn never sent, so a file named by id is looked up, not read.
 */
export type ContextUse = 'send' | 'check';

/**
 * Builds a response's context: prepares it, then makes it fit the model's context window
 * (fit-context.ts). Every failure here is an HTTP error (400, 404) raised before the
 * response's model turn runs.
 */
export async function buildContext(
  request: CreateResponseRequest,
  ctx: EngineContext,
  signal: AbortSignal = never,
  use: ContextUse = 'send',
): Promise<ResponseContext> {
  return fitContext(await prepareContext(request, ctx, signal, use), ctx, signal);
}

/**
 * What of a context can be checked without counting tokens: validates what needs the catalog
 * and the store, resolves the model, rebuilds the history and settles what the model cannot
 * take. A background response is checked so when it is queued (`check`), and built again,
 * its files read, when it runs.
 */
export async function prepareContext(
  request: CreateResponseRequest,
  ctx: EngineContext,
  signal: AbortSignal = never,
  use: ContextUse = 'send',
): Promise<ResponseContext> {
  checkRequestBounds(request);
  refuseUnsupported(request);
  const { model, provider } = resolveModel(request.model, ctx);
  const tools = prepareTools(request.tools ?? []);
  const toolChoice = request.tool_choice ?? 'auto';
  validateToolChoice(toolChoice, tools.turn);
  const text = validateTextFormat(request.text);
  const conversation = conversationOf(request);
  const history = request.previous_response_id
    ? await previousResponseItems(request.previous_response_id, ctx)
    : conversation
      ? await conversationItems(conversation, ctx)
      : [];
  const given = await resolveItemReferences(request.input, history, (ids) => ctx.store.items(ids, ctx.owner));
  const input = normalizeInput(given, ctx.newId);
  const triggered = compactionTriggered(input, provider);
  matchCallOutputs(history, input);
  // Portico's latest compaction checkpoint stands for everything before it. A trigger Portico
  // answers is no item to show a model: it asks for what precedes it as one compaction item.
  const shown = triggered ? input.slice(0, -1) : input;
  const context = fromLastCheckpoint([...history, ...shown], history.length);
  const offered = offerTools(tools.turn, toolChoice, context.items);
  const prompt = promptItems(request, ctx);
  const historyLength = prompt.length + context.historyLength;
  let turn = buildTurn(request, {
    model,
    items: withPrompt(prompt, flattenClientItems(context.items, offered.calls)),
    tools: offered.tools.map(({ tool }) => tool),
    toolChoice: offered.toolChoice,
    text,
    stop: request.stop,
  });
  let toolPaths = offered.tools.map(({ path }) => path);
  const hostedTools = await ctx.hostedTools?.({
    offered: { turn, paths: toolPaths },
    historyLength,
    provider,
    signal,
  });
  if (hostedTools) ({ turn, paths: toolPaths } = hostedTools.offer({ turn, paths: toolPaths }));
  // The model reads a file named by id as its bytes; the stored items keep the id. A turn no
  // model reads (a check, a warm-up) has its files looked up, not read.
  const files = await resolveFileParts(turn.items, {
    read: use === 'send' && request.generate !== false,
    files: ctx.files,
    owner: ctx.owner,
    promptLength: prompt.length,
    historyLength,
    historyParam: request.previous_response_id ? 'previous_response_id' : 'conversation',
  });
  if (files) turn = { ...turn, items: files.items };
  const settled = settleUnsupported(turn, {
    request,
    model: model.id,
    provider,
    dropUnsupported: model.dropUnsupported ?? ctx.dropUnsupported ?? false,
    promptLength: prompt.length,
    historyLength,
    hostedTools: ctx.hostedToolsPolicy ?? 'drop',
    toolPaths,
  });
  const warnings = files?.warnings.length ? [...files.warnings, ...settled.warnings] : settled.warnings;
  if (warnings.length > 0)
    ctx.logger?.warn('request served without what the model cannot take', { model: model.id, warnings });
  return {
    request,
    model,
    provider,
    turn: settled.turn,
    history: context.items.slice(0, context.historyLength),
    input,
    promptLength: prompt.length,
    historyLength,
    conversation,
    clientCalls: offered.calls,
    generate: request.generate !== false && !triggered,
    compactionTriggered: triggered,
    echoTools: tools.echo,
    warnings,
    hostedTools,
  };
}

/** Parameters Portico accepts in the schema but cannot honour together are refused, never ignored. */
function refuseUnsupported(request: CreateResponseRequest): void {
  if (request.background && request.store === false)
    throw badRequest('background', 'Background responses are stored: background needs store to be true.');
  // Rendered by the gateway (gateway/resolve-prompts.ts) before any model is resolved.
  if (request.prompt && !request.promptMessages)
    throw new Error('a stored prompt reached the engine unrendered');
}

/** The stored prompt's messages as items of the turn: ids of their own, never stored. */
function promptItems(request: CreateResponseRequest, ctx: EngineContext): Item[] {
  return request.promptMessages?.map((message) => ({ ...message, id: ctx.newId('msg') })) ?? [];
}

/** The turn's items: the prompt's first, when there is one (most requests have none: no copy). */
function withPrompt(prompt: Item[], items: Item[]): Item[] {
  return prompt.length ? [...prompt, ...items] : items;
}
