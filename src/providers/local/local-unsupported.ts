import { contentParts } from '../../api/item-parts.ts';
import type { Turn, Unsupported } from '../provider.ts';
import { logprobsUnsupported } from '../sampling-unsupported.ts';
import { CONVERSATION_ITEM_TYPES } from '../conversation-item-types.ts';

/**
 * What a local model cannot honour in a turn: hosted tools it cannot run and files it cannot
 * read are refused (or dropped under `drop_unsupported`); verbosity and items it cannot show
 * are only warnings. Images and reasoning are refused by the catalog's capabilities.
 */
export function localUnsupported(turn: Turn): Unsupported[] {
  const found: Unsupported[] = [];
  turn.tools.forEach((tool, index) => {
    if (tool.type !== 'function' && tool.type !== 'custom') {
      found.push({
        param: `tools[${index}].type`,
        message: `A '${tool.type}' tool cannot be run by a local model.`,
      });
    }
  });
  const choice = turn.toolChoice;
  if (typeof choice === 'object' && !['function', 'custom', 'allowed_tools'].includes(choice.type)) {
    found.push({
      param: 'tool_choice',
      message: `tool_choice '${choice.type}' cannot be served by a local model.`,
    });
  }
  if (turn.text.verbosity) {
    found.push({ param: 'text.verbosity', message: 'Local models take no verbosity.', harmless: true });
  }
  turn.items.forEach((item, index) => {
    if (!CONVERSATION_ITEM_TYPES.has(item.type)) {
      found.push({
        param: `input[${index}]`,
        message: `A '${item.type}' item cannot be shown to a local model.`,
        harmless: true,
      });
    }
  });
  for (const { path, part } of contentParts(turn.items)) {
    if (part.type === 'input_file') found.push({ param: path, message: 'Local models cannot read files.' });
  }
  found.push(...logprobsUnsupported(turn, 'A local model'));
  return found;
}
