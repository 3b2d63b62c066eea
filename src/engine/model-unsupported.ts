import { contentParts } from '../api/item-parts.ts';
import type { CreateResponseRequest } from '../api/request.ts';
import type { Turn, Unsupported } from '../providers/provider.ts';

/**
 * What the catalog says the model cannot take: reasoning settings it does not accept, images
 * when it has no vision, tools when it cannot call them.
 */
export function catalogUnsupported(turn: Turn): Unsupported[] {
  const { model } = turn;
  const found: Unsupported[] = [];
  const efforts = model.capabilities.reasoningEfforts;
  const effort = turn.reasoning?.effort;
  if (efforts.length === 0 && effort && effort !== 'none')
    found.push({ param: 'reasoning', message: `The model '${model.id}' does not reason.` });
  else if (efforts.length > 0 && effort && !efforts.includes(effort))
    found.push({
      param: 'reasoning.effort',
      message: `The model '${model.id}' does not take reasoning effort '${effort}'; it takes ${efforts.join(', ')}.`,
    });
  const summary = turn.reasoning?.summary ?? turn.reasoning?.generate_summary;
  // With effort `none` nothing reasons either way, so a summary asks for nothing.
  if (efforts.length === 0 && summary && effort !== 'none')
    found.push({
      param: 'reasoning.summary',
      message: `The model '${model.id}' does not reason, so it has no reasoning to summarize.`,
    });
  if (!model.capabilities.vision)
    for (const { path, part } of contentParts(turn.items))
      if (part.type === 'input_image')
        found.push({ param: path, message: `The model '${model.id}' does not take images.` });
  if (!model.capabilities.tools)
    turn.tools.forEach((tool, index) => {
      if (tool.type === 'function' || tool.type === 'custom')
        found.push({ param: `tools[${index}]`, message: `The model '${model.id}' cannot call tools.` });
    });
  return found;
}

/**
 * Request settings Portico itself does not act on yet, whatever the model: each is harmless
 * (the answer means the same without it) and reported as a warning.
 */
export function engineUnsupported(request: CreateResponseRequest): Unsupported[] {
  const found: Unsupported[] = [];
  const ignored = (param: string, message: string) => found.push({ param, message, harmless: true });
  if (request.service_tier && request.service_tier !== 'auto' && request.service_tier !== 'default')
    ignored('service_tier', 'Portico does not choose service tiers; the default tier is used.');
  if (request.prompt_cache_key)
    ignored('prompt_cache_key', 'Portico does not pass prompt cache keys upstream.');
  if (request.prompt_cache_retention)
    ignored('prompt_cache_retention', 'Portico does not pass prompt cache retention upstream.');
  if (request.prompt_cache_options)
    ignored('prompt_cache_options', 'Portico does not pass prompt cache options upstream.');
  if (request.moderation) ignored('moderation', 'Portico does not run moderation models yet.');
  return found;
}
