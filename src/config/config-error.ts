import type { z } from 'zod';
import { paramPath } from '../api/request.ts';

export interface ConfigIssue {
  /** Where in the config the problem is, e.g. `providers.groq.base_url`; empty for the whole file. */
  path: string;
  problem: string;
}

/**
 * A config that cannot be used: names where it came from (a file, or the environment), the
 * path inside it and the problem, so that the fix is obvious from the message alone.
 */
export class ConfigError extends Error {
  readonly source: string;
  readonly issues: ConfigIssue[];

  constructor(source: string, issues: ConfigIssue[]) {
    const lines = issues.map((issue) => (issue.path ? `${issue.path}: ${issue.problem}` : issue.problem));
    super(
      lines.length === 1 ? `${source}: ${lines[0]}` : `${source}:\n${lines.map((l) => `  ${l}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.source = source;
    this.issues = issues;
  }
}

/** Hints for settings people reach for that Portico spells differently. */
const RENAMED: Record<string, string> = {
  api_key: 'keys are never written in the config: name the environment variable with api_key_env',
  apiKey: 'keys are never written in the config: name the environment variable with api_key_env',
  baseUrl: 'settings are snake_case: use base_url',
  baseURL: 'settings are snake_case: use base_url',
  model: 'use upstream_model for the name the provider knows the model by',
};

/** One zod issue as config issues, with the setting's path in the file's own spelling. */
export function issuesFromZod(error: z.ZodError): ConfigIssue[] {
  return error.issues.flatMap((issue): ConfigIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: paramPath([...issue.path, key]),
        problem: RENAMED[key] ?? 'is not a known setting',
      }));
    }
    if (issue.code === 'invalid_key') {
      const inner = issue.issues[0]?.message ?? issue.message;
      return [{ path: paramPath(issue.path), problem: `invalid name: ${inner}` }];
    }
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      return [{ path: paramPath(issue.path), problem: 'is required' }];
    }
    return [{ path: paramPath(issue.path), problem: issue.message }];
  });
}
