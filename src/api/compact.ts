import { z } from 'zod';
import { CreateResponseRequest, InputField, ModelField } from './request.ts';

/** `POST /v1/responses/compact` (CompactResponseMethodPublicBody). Cache and tier hints are accepted and ignored. */
export const CompactRequest = z.strictObject({
  model: ModelField,
  input: InputField.nullish(),
  previous_response_id: CreateResponseRequest.shape.previous_response_id,
  instructions: CreateResponseRequest.shape.instructions,
  prompt_cache_key: z.string().max(64).nullish(),
  prompt_cache_retention: CreateResponseRequest.shape.prompt_cache_retention,
  prompt_cache_options: z.looseObject({}).nullish(),
  service_tier: CreateResponseRequest.shape.service_tier,
});

export type CompactRequest = z.output<typeof CompactRequest>;
