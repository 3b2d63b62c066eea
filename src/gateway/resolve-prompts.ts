import { idAtMost } from '../api/check-request-bounds.ts';
import { parsePromptVersion } from '../api/prompt-version.ts';
import type { CreateResponseRequest } from '../api/request.ts';
import type { Owner } from '../store/owner.ts';
import { promptAt } from '../store/prompt-admin.ts';
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
  const number = version == null ? undefined : parsePromptVersion(version, 'prompt.version');
  const found = await promptAt(prompts, id, owner, number, { id: 'prompt.id', version: 'prompt.version' });
  return { id, version: found.version.version, template: found.version.template };
}
