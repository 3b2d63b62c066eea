import { badRequest } from './errors.ts';
import { clip } from './limits.ts';
import { templateVariables } from './prompt-variables.ts';
import { MAX_PROMPT_TEMPLATE_BYTES, type PromptTemplate } from './prompts.ts';

/**
 * What the template's schema cannot say: its size as JSON, and that every default in
 * `variables` fills a `{{name}}` the text uses (one that fills nothing is a misspelling).
 */
export function checkPromptTemplate(template: PromptTemplate): void {
  const bytes = Buffer.byteLength(JSON.stringify(template));
  if (bytes > MAX_PROMPT_TEMPLATE_BYTES)
    throw badRequest(
      'template',
      `The template is ${bytes} bytes as JSON: at most ${MAX_PROMPT_TEMPLATE_BYTES / 1024 / 1024} MiB.`,
    );
  const used = new Set(templateVariables(template));
  for (const name of Object.keys(template.variables ?? {}))
    if (!used.has(name))
      throw badRequest(
        `template.variables.${name}`,
        `The variable '${clip(name)}' has a default, but no text of the template uses {{${clip(name)}}}.`,
      );
}
