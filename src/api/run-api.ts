import { z } from 'zod';
import { LIMITS } from './limits.ts';

/**
 * AI Gateway's Run API request (`POST /v1/{account}/{gateway}/run`): a model, its own input,
 * optionally the provider it must run on, and whether to run it in the background.
 */
export const RunApiRequest = z.strictObject({
  model: z
    .string({ error: 'model must be a string naming a model' })
    .min(1, 'model is required')
    .max(LIMITS.idChars),
  input: z.record(z.string(), z.unknown(), { error: "input must be an object: the model's own input" }),
  provider: z.string({ error: 'provider must be a string naming a provider' }).min(1).max(64).optional(),
  background: z.boolean({ error: 'background must be a boolean' }).optional(),
});
export type RunApiRequest = z.output<typeof RunApiRequest>;

/** Where a run stands: Cloudflare's `Completed` and `Failed`, and a background run's two before them. */
export type RunState = 'Queued' | 'Running' | 'Completed' | 'Failed';

/** The model a run ran and who served it: a proxied model's provider, with the key Portico holds for it. */
export interface RunServer {
  model: string;
  provider: string;
  usedBYOKKey: boolean;
}

/** A Run API answer: a result, a failure, or a background run not yet ended. */
export type RunAnswer =
  | ({ state: 'Completed'; result: unknown; runId?: string } & RunServer)
  | ({ state: 'Failed'; error: { code: string; message: string }; runId?: string } & RunServer)
  | { state: 'Queued' | 'Running'; runId: string; model: string };
