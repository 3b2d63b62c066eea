import { badRequest } from '../api/errors.ts';
import type { CustomTool, FunctionTool, NamespaceTool, Tool } from '../api/tools.ts';
import { assertStrictSchema, strictSchemaProblem } from './check-strict-schema.ts';

/** A function tool as Portico holds it: `parameters` and `strict` always set. */
export type NormalizedFunctionTool = FunctionTool & { parameters: Record<string, unknown>; strict: boolean };

export interface PreparedTools {
  /** The tools as the response echoes them: function tools carry `parameters` and `strict`, as OpenAI's do. */
  echo: Tool[];
  /** The tools as providers get them: a function's `parameters` is always an object schema. */
  turn: Tool[];
}

/** The schema of a function that takes no arguments (`parameters` null or left out). */
export function noArguments(): Record<string, unknown> {
  return { type: 'object', properties: {}, required: [], additionalProperties: false };
}

function isObjectType(type: unknown): boolean {
  return type === 'object' || (Array.isArray(type) && type.includes('object'));
}

/**
 * `strict` as given; left out, it is true when the schema keeps strict mode's rules, as OpenAI's
 * Responses API defaults it, and false otherwise (best-effort calling, never a schema rewritten
 * behind the client's back). A tool that asks for strict mode must keep its rules: a 400 says
 * where it does not.
 */
function normalizeFunction(tool: FunctionTool, path: string): { echo: Tool; turn: NormalizedFunctionTool } {
  const given = tool.parameters ?? undefined;
  if (given && 'type' in given && !isObjectType(given.type))
    throw badRequest(
      `${path}.parameters`,
      `Invalid '${path}.parameters': the parameters of function '${tool.name}' must be a JSON schema of type "object".`,
      'invalid_function_parameters',
    );
  const parameters = given ?? noArguments();
  let strict: boolean;
  if (tool.strict === true) {
    assertStrictSchema(parameters, {
      param: `${path}.parameters`,
      subject: `function '${tool.name}'`,
      code: 'invalid_function_parameters',
    });
    strict = true;
  } else strict = tool.strict === false ? false : strictSchemaProblem(parameters) === undefined;
  const description = tool.description ?? null;
  return {
    echo: { type: 'function', name: tool.name, description, parameters: given ?? null, strict },
    turn: { type: 'function', name: tool.name, description, parameters, strict },
  };
}

/**
 * Checks and normalizes a request's tools: names are unique across function and custom tools
 * (and within each namespace), function parameters are object schemas, strict ones keep strict
 * mode's rules, wherever the function is. Hosted tools pass as they are; whether the model's
 * provider can serve them is decided later.
 */
export function prepareTools(tools: readonly Tool[]): PreparedTools {
  return prepareGroup(tools, 'tools');
}

/** `tools` at `path` (the request's, or a namespace's `tools`), as prepareTools says. */
function prepareGroup(tools: readonly Tool[], path: string): PreparedTools {
  const seen = new Map<string, number>();
  const echo: Tool[] = [];
  const turn: Tool[] = [];
  tools.forEach((tool, index) => {
    const at = `${path}[${index}]`;
    if (tool.type === 'function' || tool.type === 'custom') {
      const name = (tool as FunctionTool | CustomTool).name;
      const first = seen.get(name);
      if (first !== undefined)
        throw badRequest(
          `${at}.name`,
          `Duplicate tool name '${name}': ${path}[${first}] and ${at} have the same name; tool names must be unique.`,
          'invalid_value',
        );
      seen.set(name, index);
    }
    if (tool.type === 'function') {
      const normalized = normalizeFunction(tool as FunctionTool, at);
      echo.push(normalized.echo);
      turn.push(normalized.turn);
    } else if (tool.type === 'namespace') {
      const space = tool as NamespaceTool;
      const inner = prepareGroup(space.tools, `${at}.tools`);
      echo.push({ ...space, tools: inner.echo } as Tool);
      turn.push({ ...space, tools: inner.turn } as Tool);
    } else {
      echo.push(withoutSecrets(tool));
      turn.push(tool);
    }
  });
  return { echo, turn };
}

/**
 * A hosted tool as the response echoes (and stores) it: an MCP server's `authorization` and
 * `headers` carry the client's credentials, and credentials are never echoed.
 */
function withoutSecrets(tool: Tool): Tool {
  if (tool.type !== 'mcp') return tool;
  const {
    authorization: _authorization,
    headers: _headers,
    ...rest
  } = tool as Tool & {
    authorization?: unknown;
    headers?: unknown;
  };
  return rest as Tool;
}
