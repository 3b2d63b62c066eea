import {
  guardAction,
  HAZARD_CATEGORIES,
  type GuardrailCategory,
  type GuardrailsSettings,
} from '../api/guardrails-settings.ts';
import { outputText } from '../api/response.ts';
import { startResponse, type EngineContext } from '../engine/create-response.ts';
import { finalResponse } from '../engine/final-response.ts';
import type { GuardrailEvaluation } from '../store/log-store.ts';
import type { Owner } from '../store/owner.ts';
import type { ContentCheck, ContentPolicy } from './content-policies.ts';
import { guardrailsBlocked, guardrailsUnavailable } from './content-errors.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { costOf } from './cost.ts';
import { admitted, type GatewayContext } from './gateway-call.ts';
import {
  llamaGuardTask,
  parseLlamaGuardVerdict,
  parsePromptGuardVerdict,
  type GuardTurn,
} from './llama-guard.ts';
import { requestTexts, type ScannedText } from './scanned-text.ts';

/** Characters per classifier call: long content is split and every chunk judged. */
const CHUNK_CHARS = 8_000;
/** At most this many calls per check: longer content gets longer chunks. */
const MAX_CHUNKS = 16;
/** A response is judged after (the end of) the prompt it answers. */
const PROMPT_CONTEXT_CHARS = 2_000;
/** A verdict is a line or two. */
const VERDICT_TOKENS = 24;

/** The `/run` API (ai/run, the binding) answers a block with 422 rather than 424. */
const RUN_API = /^(binding|\S+ \S*\/ai\/run(\/|$).*)$/;

function chunks(text: string): string[] {
  const size = Math.max(CHUNK_CHARS, Math.ceil(text.length / MAX_CHUNKS));
  const parts: string[] = [];
  for (let start = 0; start < text.length; start += size) parts.push(text.slice(start, start + size));
  return parts;
}

const joined = (texts: readonly ScannedText[]) => texts.map((text) => text.text).join('\n\n');

/** Every category; guardAction says what each does on a check (P1: only on prompts, with its classifier). */
const CATEGORIES: readonly GuardrailCategory[] = [...HAZARD_CATEGORIES, 'P1'];

/** Whether any category of the check does something (all ignored: nothing to ask). */
function active(settings: GuardrailsSettings | undefined, check: 'prompt' | 'response'): boolean {
  if (!settings?.enabled) return false;
  return CATEGORIES.some((category) => guardAction(settings, check, category) !== 'IGNORE');
}

export interface GuardrailsDeps {
  engineFor: (owner: Owner) => EngineContext;
  /** Prices the classifier's calls, which the request's log entry and budgets count. */
  catalog: Catalog;
  now: () => number;
}

/**
 * Guardrails: the gateway's classifier (Llama Guard 3, by Portico's own provider path) judges
 * the prompt before the upstream call and the response before its release, chunk by chunk;
 * each category it names flags, is ignored, or blocks (424, code 2016 for a prompt, 2017 for
 * a response; 422 with 2017 on the `/run` API). A classifier that cannot be reached blocks
 * (503, code 7013) only where some category would block; otherwise the request goes on and
 * the evaluation is recorded as unavailable.
 */
export function guardrailsPolicy(deps: GuardrailsDeps): ContentPolicy {
  /** The classifier's answer to one ask, or undefined when it could not be had. */
  const ask = async (ctx: GatewayContext, model: string, text: string): Promise<string | undefined> => {
    try {
      const engine = deps.engineFor(admitted(ctx).principal.project);
      const { hostedTools: _none, ...plain } = engine;
      const started = await startResponse(
        { model, input: text, store: false, max_output_tokens: VERDICT_TOKENS, temperature: 0 },
        plain,
        ctx.call.signal,
      );
      const response = await finalResponse(started.events);
      // Paid for by the request it judges: its cost joins the request's (as Cloudflare bills it).
      const cost = costOf(response.usage ?? undefined, deps.catalog.get(response.model), undefined, false);
      ctx.trace.classifierCost = (ctx.trace.classifierCost ?? 0) + cost;
      return response.status === 'failed' ? undefined : outputText(response.output);
    } catch {
      if (ctx.call.signal.aborted) throw ctx.call.signal.reason;
      return undefined;
    }
  };

  /** The categories found in `conversation`'s last turn, chunk by chunk; undefined: unavailable. */
  const hazards = async (
    ctx: GatewayContext,
    settings: GuardrailsSettings,
    before: GuardTurn[],
    last: GuardTurn,
  ): Promise<Set<GuardrailCategory> | undefined> => {
    const found = new Set<GuardrailCategory>();
    for (const chunk of chunks(last.text)) {
      const verdict = parseLlamaGuardVerdict(
        (await ask(ctx, settings.model, llamaGuardTask([...before, { ...last, text: chunk }]))) ?? '',
      );
      if (!verdict) return undefined;
      for (const category of verdict) found.add(category);
    }
    return found;
  };

  const injection = async (
    ctx: GatewayContext,
    model: string,
    text: string,
  ): Promise<boolean | undefined> => {
    for (const chunk of chunks(text)) {
      const verdict = parsePromptGuardVerdict((await ask(ctx, model, chunk)) ?? '');
      if (verdict !== false) return verdict;
    }
    return false;
  };

  return {
    checks: (gateway, check) => active(gateway.guardrails, check === 'request' ? 'prompt' : 'response'),
    async scan(ctx, check: ContentCheck, texts) {
      const settings = admitted(ctx).gateway.guardrails!;
      const phase = check === 'request' ? 'prompt' : 'response';
      const startedAt = deps.now();
      const prompt =
        check === 'request' ? texts : ctx.call.steps.flatMap((step) => requestTexts(step.request));
      const promptText = joined(prompt);
      const found =
        check === 'request'
          ? await hazards(ctx, settings, [], { role: 'User', text: promptText })
          : await hazards(ctx, settings, [{ role: 'User', text: promptText.slice(-PROMPT_CONTEXT_CHARS) }], {
              role: 'Agent',
              text: joined(texts),
            });
      let unavailable = found === undefined;
      const categories = found ?? new Set<GuardrailCategory>();
      if (
        check === 'request' &&
        settings.prompt_guard_model !== null &&
        guardAction(settings, 'prompt', 'P1') !== 'IGNORE'
      ) {
        const injected = await injection(ctx, settings.prompt_guard_model, promptText);
        if (injected === undefined) unavailable = true;
        else if (injected) categories.add('P1');
      }
      const named = [...categories].map((category) => ({
        category,
        action: guardAction(settings, phase, category),
      }));
      const blocks = named.some((entry) => entry.action === 'BLOCK');
      const flags = named.some((entry) => entry.action === 'FLAG');
      const evaluation: GuardrailEvaluation = {
        check: phase,
        model: settings.model,
        categories: named,
        action: blocks ? 'BLOCK' : flags ? 'FLAG' : 'PASS',
        ...(unavailable ? { unavailable: true } : {}),
        durationMs: deps.now() - startedAt,
      };
      (ctx.trace.guardrails ??= []).push(evaluation);
      if (blocks) return { block: guardrailsBlocked(check, RUN_API.test(ctx.call.path)) };
      const anyBlocking = CATEGORIES.some((category) => guardAction(settings, phase, category) === 'BLOCK');
      if (unavailable && anyBlocking) return { block: guardrailsUnavailable() };
      return {};
    },
  };
}
