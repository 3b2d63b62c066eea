import { idAtMost } from '../api/check-request-bounds.ts';
import { badRequest, notFound } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import type { CreateResponseRequest } from '../api/request.ts';
import type { Owner } from '../store/owner.ts';
import type { PromptStore } from '../store/prompt-store.ts';
import { admitted, type Layer, type Step } from './gateway-call.ts';
import { renderPrompt, type StoredPrompt } from './render-prompt.ts';

/**
 * Renders each step's stored prompt (`prompt: {id, version, variables}`) for the project that
 * sends it, before anything reads the request's model or parameters: the limits, routes and
 * cache see the request as the prompt makes it. A step rendered before (a background run,
 * rendered as it was queued) is left as it is.
 */
export function resolvePrompts(prompts: PromptStore): Layer {
  return async (ctx, next) => {
    const { steps } = ctx.call;
    if (steps.some(unrendered)) {
      const owner = admitted(ctx).principal.project;
      ctx.call.steps = await Promise.all(
        steps.map(async (step) =>
          unrendered(step)
            ? {
                ...step,
                request: renderPrompt(step.request, await storedPrompt(prompts, step.request, owner)),
              }
            : step,
        ),
      );
    }
    return next();
  };
}

function unrendered(step: Step): boolean {
  return step.request.prompt != null && step.request.promptMessages === undefined && !step.refused;
}

/** The version the request names (its latest when it names none), or a 400 or 404 naming the parameter. */
async function storedPrompt(
  prompts: PromptStore,
  request: CreateResponseRequest,
  owner: Owner,
): Promise<StoredPrompt> {
  const { id, version } = request.prompt!;
  idAtMost('prompt.id', id);
  if (version != null && !/^[1-9][0-9]{0,8}$/.test(version))
    throw badRequest(
      'prompt.version',
      `Invalid 'prompt.version': '${clip(version)}' is not a version number such as '2'.`,
    );
  const number = version == null ? undefined : Number(version);
  const found = await prompts.get(id, owner, number);
  if (found) return { id, version: found.version.version, template: found.version.template };
  if (number !== undefined && (await prompts.get(id, owner)))
    throw notFound(`Prompt '${clip(id)}' has no version ${number}.`, 'prompt_not_found', 'prompt.version');
  throw notFound(`No prompt found with id '${clip(id)}'.`, 'prompt_not_found', 'prompt.id');
}
