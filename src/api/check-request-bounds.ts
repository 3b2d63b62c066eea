import { badRequest } from './errors.ts';
import { LIMITS } from './limits.ts';
import type { CreateResponseRequest } from './request.ts';

/**
 * The counts a request may not exceed beyond what its schema says: the length of the ids of
 * what it continues (its items' own are checked as they are stored: normalize-input.ts),
 * `include`'s values, input items and their content parts, tools, the size of every JSON schema (values, properties, enum values) and of
 * every custom grammar. Checked before any work, each over-limit count a 400 naming where it is.
 */
export function checkRequestBounds(request: CreateResponseRequest): void {
  const { input, tools } = request;
  idAtMost('previous_response_id', request.previous_response_id);
  const conversation = request.conversation;
  idAtMost(
    typeof conversation === 'object' ? 'conversation.id' : 'conversation',
    conversation && typeof conversation === 'object' ? conversation.id : conversation,
  );
  if (request.include) atMost('include', request.include.length, LIMITS.includeValues, 'values');
  if (Array.isArray(input)) {
    atMost('input', input.length, LIMITS.inputItems, 'input items');
    input.forEach((item, index) => {
      const field = 'content' in item ? 'content' : 'output' in item ? 'output' : undefined;
      const parts: unknown = field && (item as Record<string, unknown>)[field];
      if (Array.isArray(parts))
        atMost(`input[${index}].${field}`, parts.length, LIMITS.contentParts, 'content parts');
    });
  }
  // A namespace's tools are offered to the model one by one: each counts as a tool.
  const placed = (tools ?? []).flatMap((tool, index) =>
    tool.type === 'namespace'
      ? tool.tools.map((inner, at) => ({ tool: inner, path: `tools[${index}].tools[${at}]` }))
      : [{ tool, path: `tools[${index}]` }],
  );
  atMost('tools', placed.length, LIMITS.tools, 'tools (counting those in namespaces)');
  for (const { tool, path } of placed) {
    if (tool.type === 'function' && tool.parameters) checkSchemaSize(`${path}.parameters`, tool.parameters);
    if (tool.type === 'custom' && tool.format?.type === 'grammar')
      atMost(`${path}.format.definition`, tool.format.definition.length, LIMITS.grammarChars, 'characters');
  }
  const format = request.text?.format;
  if (format?.type === 'json_schema') checkSchemaSize('text.format.schema', format.schema);
}

/** An id a client names, at most LIMITS.idChars long: ids are stored keys, and echoed in errors. */
export function idAtMost(param: string, id: string | null | undefined): void {
  if (id) atMost(param, id.length, LIMITS.idChars, 'characters');
}

function atMost(param: string, count: number, limit: number, what: string): void {
  if (count > limit)
    throw badRequest(param, `'${param}' has ${count} ${what}; the limit is ${limit}.`, 'limit_exceeded');
}

/** Counts a schema's values, the keys of its `properties` objects and its `enum` values, iteratively. */
export function checkSchemaSize(param: string, schema: unknown): void {
  let nodes = 0;
  let properties = 0;
  let enumValues = 0;
  const stack: Array<{ value: unknown; key: string | undefined }> = [{ value: schema, key: undefined }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    nodes++;
    const { value, key } = next;
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      if (key === 'enum') enumValues += value.length;
      for (const child of value) stack.push({ value: child, key: undefined });
      continue;
    }
    if (key === 'properties') properties += Object.keys(value).length;
    for (const [childKey, child] of Object.entries(value)) stack.push({ value: child, key: childKey });
  }
  atMost(param, nodes, LIMITS.schemaNodes, 'schema values');
  atMost(param, properties, LIMITS.schemaProperties, 'object properties in all');
  atMost(param, enumValues, LIMITS.schemaEnumValues, 'enum values in all');
}
