import { templateVariables } from '../api/prompt-variables.ts';
import type { PromptObject } from '../api/prompts.ts';
import type { PromptAtVersion } from './prompt-store.ts';

/** A page of prompt objects, as `/v1/prompts` lists them. */
export interface PromptList {
  object: 'list';
  data: PromptObject[];
  /** Prompt ids; version numbers in a list of one prompt's versions (what `after` takes there). */
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/** A prompt at one of its versions, as the API answers it: Unix seconds, versions as strings. */
export function promptObject({ prompt, version }: PromptAtVersion): PromptObject {
  return {
    id: prompt.id,
    object: 'prompt',
    name: prompt.name,
    description: prompt.description,
    metadata: prompt.metadata,
    created_at: Math.floor(prompt.createdAt / 1000),
    latest_version: String(prompt.latestVersion),
    version: String(version.version),
    version_created_at: Math.floor(version.createdAt / 1000),
    template: version.template,
    variables: templateVariables(version.template),
  };
}
