import { PROMPT_VARIABLE, type PromptTemplate } from './prompts.ts';

/** Every text of a template that may name variables: its instructions, then each message's text. */
export function templateTexts(template: PromptTemplate): string[] {
  const texts = template.instructions ? [template.instructions] : [];
  for (const message of template.input ?? []) {
    if (typeof message.content === 'string') texts.push(message.content);
    else
      for (const part of message.content)
        if (part.type === 'input_text' || part.type === 'output_text') texts.push(part.text);
  }
  return texts;
}

/** The variables a template's text names, in order of first appearance. */
export function templateVariables(template: PromptTemplate): string[] {
  const names = new Set<string>();
  for (const text of templateTexts(template))
    for (const match of text.matchAll(PROMPT_VARIABLE)) names.add(match[1]!);
  return [...names];
}
