import { badRequest } from '../api/errors.ts';
import type { CreateResponseRequest } from '../api/request.ts';
import type { Provider, Turn, Unsupported } from '../providers/provider.ts';
import { dropFromTurn } from './drop-from-turn.ts';
import { settleHostedTool, toolAt, type HostedToolsPolicy } from './hosted-tools.ts';
import { catalogUnsupported, engineUnsupported } from './model-unsupported.ts';

export interface SettleOptions {
  request: CreateResponseRequest;
  /** The id of the model that serves the request. */
  model: string;
  provider: Provider;
  /** The model's `drop_unsupported` setting (or the global one). */
  dropUnsupported: boolean;
  /** How many of `turn.items`, first, are a stored prompt's messages. */
  promptLength: number;
  /** How many of `turn.items` come before the request's input: the prompt's, then the previous response's context. */
  historyLength: number;
  /** Hosted tools the provider cannot run: dropped with a warning, or refused. */
  hostedTools: HostedToolsPolicy;
  /** Where the client gave each of `turn.tools` (namespaces and tool searches are flattened). */
  toolPaths: readonly string[];
}

export interface Settled {
  /** The turn the provider can serve in full. */
  turn: Turn;
  /** What was dropped or ignored, one line each: `tools[0].type: dropped, ...`. */
  warnings: string[];
}

/** `input[k]...` on `turn.items` as the client sent it: its own input, or the previous response's context. */
function locate(param: string, options: SettleOptions): { param: string; label: string } {
  const tool = /^tools\[(\d+)\](.*)$/.exec(param);
  const path = tool ? options.toolPaths[Number(tool[1])] : undefined;
  if (tool && path) return { param: `${path}${tool[2] ?? ''}`, label: `${path}${tool[2] ?? ''}` };
  const match = /^input\[(\d+)\](.*)$/.exec(param);
  if (!match) return { param, label: param };
  const index = Number(match[1]);
  const rest = match[2] ?? '';
  const within = rest ? `, ${rest.replace(/^\./, '')}` : '';
  if (index < options.promptLength) return { param: 'prompt', label: `prompt (message ${index}${within})` };
  if (index < options.historyLength)
    return {
      param: 'previous_response_id',
      label: `previous_response_id (context item ${index - options.promptLength}${within})`,
    };
  if (typeof options.request.input === 'string') return { param: 'input', label: 'input' };
  const wire = `input[${index - options.historyLength}]${rest}`;
  return { param: wire, label: wire };
}

function refusal(found: Unsupported, options: SettleOptions, why: string): Error {
  const { param, label } = locate(found.param, options);
  const model = options.model;
  return badRequest(
    param,
    `${label}: ${found.message} ${why.replace('{model}', model)}`,
    'unsupported_parameter',
  );
}

const DROP_HINT =
  "Set drop_unsupported: true (for the model '{model}', or globally) to send the request without it.";

/**
 * Decides what happens to everything the engine, the catalog and the provider say the turn
 * cannot carry. By default the first item that is not harmless is a 400 naming its parameter;
 * with `drop_unsupported` every item is removed from the turn instead. Harmless items are
 * always removed and reported. Each removal becomes a warning for the header and the log.
 */
export function settleUnsupported(turn: Turn, options: SettleOptions): Settled {
  const seen = new Set<string>();
  const found = [
    ...engineUnsupported(options.request),
    ...catalogUnsupported(turn),
    ...(options.provider.unsupported?.(turn) ?? []),
  ]
    .map((entry) => settleHostedTool(entry, turn, options.hostedTools))
    .filter((entry) => !seen.has(entry.param) && seen.add(entry.param));
  // The common case: nothing to settle, and no copy of the turn to make.
  if (found.length === 0) return { turn, warnings: [] };
  const refused = found.filter((entry) => !entry.harmless);
  if (!options.dropUnsupported && refused[0]) throw refusal(refused[0], options, DROP_HINT);

  const { turn: served, kept } = dropFromTurn(
    turn,
    found.map((entry) => entry.param),
  );
  const stuck = refused.find((entry) => kept.includes(entry.param));
  if (stuck) throw refusal(stuck, options, 'Portico cannot send the request without it.');
  const warnings = found.map(
    (entry) =>
      `${locate(entry.param, options).label}: ${entry.harmless && !toolAt(entry.param, turn.tools) && entry.param !== 'tool_choice' ? 'ignored' : 'dropped'}, ${entry.message}`,
  );
  return { turn: served, warnings };
}
