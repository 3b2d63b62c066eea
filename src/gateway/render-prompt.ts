import { checkPartSource } from '../api/check-part-source.ts';
import { badRequest } from '../api/errors.ts';
import type { ContentPart } from '../api/items.ts';
import { clip } from '../api/limits.ts';
import { templateVariables } from '../api/prompt-variables.ts';
import { PROMPT_VARIABLE, type PromptTemplate } from '../api/prompts.ts';
import {
  MODEL_FROM_PROMPT,
  type CreateResponseRequest,
  type PromptMessage,
  type PromptVariableValue,
} from '../api/request.ts';
import { textPart } from '../engine/normalize-input.ts';

/** A prompt's version, as a request that names it is rendered with. */
export interface StoredPrompt {
  id: string;
  version: number;
  template: PromptTemplate;
}

/** The request parameters a prompt may set: a request that sets one itself keeps its own. */
const TEMPLATE_PARAMS = [
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'max_tool_calls',
  'text',
  'reasoning',
  'temperature',
  'top_p',
  'top_logprobs',
  'max_output_tokens',
  'truncation',
  'include',
  'store',
] as const satisfies ReadonlyArray<keyof PromptTemplate & keyof CreateResponseRequest>;

/**
 * A request as its stored prompt makes it: the prompt's messages, variables filled, become
 * the response's instructions (`promptMessages`); its model and parameters apply where the
 * request sets none; the request's own `instructions` stand in for the prompt's. The prompt
 * is echoed with the version used, so a later render (a background run) reads the same one.
 */
export function renderPrompt(request: CreateResponseRequest, prompt: StoredPrompt): CreateResponseRequest {
  const { template } = prompt;
  const named = `prompt '${clip(prompt.id)}' (version ${prompt.version})`;
  const values = variableValues(request.prompt?.variables ?? {}, template, named);
  const fill = (text: string, role: PromptMessage['role']) => fillText(text, role, values, named);
  const messages: PromptMessage[] = [];
  if (request.instructions)
    messages.push({
      type: 'message',
      role: 'developer',
      content: [textPart('developer', request.instructions)],
    });
  else if (template.instructions)
    messages.push({ type: 'message', role: 'developer', content: fill(template.instructions, 'developer') });
  for (const message of template.input ?? []) {
    const parts =
      typeof message.content === 'string' ? [textPart(message.role, message.content)] : message.content;
    const content = parts.flatMap((part) =>
      part.type === 'input_text' || part.type === 'output_text' ? fill(part.text, message.role) : [part],
    );
    messages.push({ type: 'message', role: message.role, content });
  }
  const model = request.model === MODEL_FROM_PROMPT ? template.model : request.model;
  if (!model)
    throw badRequest(
      'model',
      `Missing required parameter: 'model'. The ${named} names no model: name one in the request.`,
      'missing_required_parameter',
    );
  const rendered: CreateResponseRequest = {
    ...request,
    model,
    instructions: undefined,
    promptMessages: messages,
  };
  for (const param of TEMPLATE_PARAMS)
    if (rendered[param] == null && template[param] != null)
      Object.assign(rendered, { [param]: template[param] });
  rendered.prompt = { ...request.prompt!, version: String(prompt.version) };
  return rendered;
}

/** The value of each variable the template names: the request's, else the prompt's default. */
function variableValues(
  given: Record<string, PromptVariableValue>,
  template: PromptTemplate,
  named: string,
): Map<string, PromptVariableValue> {
  const names = templateVariables(template);
  const values = new Map<string, PromptVariableValue>();
  for (const [name, value] of Object.entries(given)) {
    const param = `prompt.variables.${clip(name)}`;
    if (!names.includes(name))
      throw badRequest(
        param,
        `The ${named} has no variable '${clip(name)}'${names.length ? `; it has ${names.join(', ')}` : ''}.`,
        'unknown_parameter',
      );
    if (typeof value !== 'string') checkPartSource({ path: param, part: value });
    values.set(name, value);
  }
  const missing = names.filter((name) => !values.has(name) && template.variables?.[name] === undefined);
  if (missing.length)
    throw badRequest(
      `prompt.variables.${missing[0]}`,
      `Missing prompt variable${missing.length > 1 ? 's' : ''} ${missing.map((name) => `'${name}'`).join(', ')}: the ${named} needs ${missing.length > 1 ? 'them' : 'it'}.`,
      'missing_required_parameter',
    );
  for (const name of names) if (!values.has(name)) values.set(name, template.variables![name]!);
  return values;
}

/**
 * A text of the prompt with its variables filled: text values in place, an image or a file
 * as a part of its own between the text around it (which an assistant's text cannot hold).
 */
function fillText(
  text: string,
  role: PromptMessage['role'],
  values: ReadonlyMap<string, PromptVariableValue>,
  named: string,
): ContentPart[] {
  const parts: ContentPart[] = [];
  let at = 0;
  for (const match of text.matchAll(PROMPT_VARIABLE)) {
    const name = match[1]!;
    const value = values.get(name)!;
    parts.push(textPart(role, text.slice(at, match.index)));
    if (typeof value === 'string' || value.type === 'input_text')
      parts.push(textPart(role, typeof value === 'string' ? value : value.text));
    else if (role === 'assistant')
      throw badRequest(
        `prompt.variables.${name}`,
        `The ${named} names '${name}' in an assistant message, which holds only text: '${name}' must be a string, not an ${value.type}.`,
      );
    else parts.push(value);
    at = match.index + match[0].length;
  }
  parts.push(textPart(role, text.slice(at)));
  return joinTexts(parts);
}

/** Neighbouring text parts as one, empty ones dropped (one is kept): the text as if written whole. */
function joinTexts(parts: ContentPart[]): ContentPart[] {
  const joined: ContentPart[] = [];
  for (const part of parts) {
    const last = joined.at(-1);
    const text = part.type === 'input_text' || part.type === 'output_text';
    if (text && part.text === '') continue;
    if (text && last?.type === part.type)
      joined[joined.length - 1] = { ...last, text: last.text + part.text };
    else joined.push(part);
  }
  return joined.length ? joined : [parts[0]!];
}
