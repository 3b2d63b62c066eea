import { posix } from 'node:path';
import { z } from 'zod';
import { badRequest } from '../../api/errors.ts';
import type { Item } from '../../api/items.ts';
import type { NativeOutputItem } from '../../api/response.ts';
import type { FunctionTool } from '../../api/tools.ts';
import type { ContainerFileObject } from '../../store/container-store.ts';
import {
  replayedCall,
  type Annotation,
  type BoundTool,
  type ToolModule,
  type ToolServices,
} from '../hosted-tool.ts';
import { parseArguments } from '../parse-arguments.ts';
import { parseDefinition } from '../parse-definition.ts';
import type { Containers } from './containers.ts';

const CodeInterpreterDefinition = z.looseObject({
  type: z.literal('code_interpreter'),
  container: z.union([
    z.string().min(1).max(128),
    z.looseObject({
      type: z.literal('auto'),
      file_ids: z.array(z.string().min(1).max(128)).max(100).nullish(),
      memory_limit: z.enum(['1g', '4g', '16g', '64g']).nullish(),
    }),
  ]),
});

const CodeArguments = z.object({ code: z.string().min(1).max(200_000) });

const FUNCTION_NAME = 'python';
const OUTPUTS = 'code_interpreter_call.outputs';

const pythonFunction: FunctionTool = {
  type: 'function',
  name: FUNCTION_NAME,
  description:
    'Run Python 3 code in a sandbox (no network, no pip installs). Files are in /mnt/data; files written there are given to the user. The value of the last expression and everything printed are returned.',
  parameters: {
    type: 'object',
    properties: { code: { type: 'string', description: 'The Python code to run.' } },
    required: ['code'],
    additionalProperties: false,
  },
  strict: true,
};

/**
 * `code_interpreter`: Python run by Pyodide in a sandboxed process per container (see
 * python-process.ts for its walls), `container` an id or `{type: "auto"}` (the chain's latest
 * container while it lives, else a new one made at the first call, holding `file_ids`).
 */
export function codeInterpreterTool(containers: Containers): ToolModule {
  return {
    types: ['code_interpreter'],
    itemTypes: ['code_interpreter_call'],

    async bind(definition, { services, path, items, include }) {
      const parsed = parseDefinition(CodeInterpreterDefinition, definition, path);
      const { owner } = services;
      let containerId: string | undefined;
      if (typeof parsed.container === 'string') {
        if (!(await containers.active(parsed.container, owner)))
          throw badRequest(`${path}.container`, `No running container found with id '${parsed.container}'.`);
        containerId = parsed.container;
      } else {
        containerId = await latestContainer(items, containers, owner);
      }
      const auto = typeof parsed.container === 'string' ? undefined : parsed.container;
      // Checked now, so that a file the owner cannot read is a 400 before the model runs.
      for (const [index, fileId] of (auto?.file_ids ?? []).entries())
        if (!(await services.stores.files.get(fileId, owner)))
          throw badRequest(`${path}.container.file_ids[${index}]`, `No file found with id '${fileId}'.`);
      const written: ContainerFileObject[] = [];
      const cited = new Set<string>();

      /** The container of this response's calls: made at the first call when `auto` found none. */
      const container = async (): Promise<string> => {
        if (containerId) return containerId;
        const made = await containers.create(owner, {
          name: 'Container for a response',
          ...(auto?.memory_limit ? { memoryLimit: auto.memory_limit } : {}),
        });
        for (const [index, fileId] of (auto?.file_ids ?? []).entries())
          await copyFile(services, containers, made.id, fileId, `${path}.container.file_ids[${index}]`);
        containerId = made.id;
        return made.id;
      };

      const tool: BoundTool = {
        functions: [pythonFunction],
        async *run(call, { signal }) {
          const id = services.newId('ci');
          const args = parseArguments(CodeArguments, call.arguments);
          const code = args.ok ? args.value.code : call.arguments;
          const item = (status: string, fields: object = {}): NativeOutputItem => ({
            type: 'code_interpreter_call',
            id,
            status,
            container_id: containerId ?? '',
            code,
            outputs: null,
            ...fields,
          });
          const event = (type: `response.${string}`, fields: object = {}) =>
            ({ type: 'native-item-event', itemId: id, event: { type, ...fields } }) as const;
          const target = await container();
          yield { type: 'native-item-start', item: item('in_progress', { code: '' }) };
          yield event('response.code_interpreter_call.in_progress');
          yield event('response.code_interpreter_call_code.delta', { delta: code });
          yield event('response.code_interpreter_call_code.done', { code });
          if (!args.ok) return { item: item('failed'), output: args.error };
          yield event('response.code_interpreter_call.interpreting');
          let result;
          try {
            result = await containers.run(target, owner, code, signal);
          } catch (error) {
            if (signal.aborted && !(error instanceof Error && /longer than/.test(error.message))) throw error;
            const message = error instanceof Error ? error.message : String(error);
            return { item: item('failed'), output: message };
          }
          written.push(...result.written);
          const logs = result.error ? `${result.logs}${trimTraceback(result.error)}` : result.logs;
          yield event('response.code_interpreter_call.completed');
          const outputs = include.includes(OUTPUTS) ? { outputs: logs ? [{ type: 'logs', logs }] : [] } : {};
          const files = result.written.map((file) => file.path).join(', ');
          return {
            item: item(result.error ? 'failed' : 'completed', outputs),
            output: `${logs || '(no output)'}${files ? `\nFiles written: ${files}` : ''}`,
          };
        },
        cite: (text) => citeFiles(text, written, cited),
      };
      return tool;
    },

    replay(item, newId): Item[] {
      const call = item as unknown as { id: string; code?: unknown; outputs?: unknown };
      const logs = Array.isArray(call.outputs)
        ? (call.outputs as Array<{ logs?: unknown }>).map((output) => String(output.logs ?? '')).join('')
        : '';
      return replayedCall(
        newId,
        `call_${call.id}`,
        FUNCTION_NAME,
        JSON.stringify({ code: typeof call.code === 'string' ? call.code : '' }),
        logs || '(output not kept)',
      );
    },
  };
}

/** The container of the latest code_interpreter_call in the history, while it still runs. */
async function latestContainer(
  items: readonly Item[],
  containers: Containers,
  owner: string,
): Promise<string | undefined> {
  const last = [...items]
    .reverse()
    .find(
      (item) =>
        item.type === 'code_interpreter_call' &&
        typeof (item as { container_id?: unknown }).container_id === 'string',
    );
  const id = (last as { container_id?: string } | undefined)?.container_id;
  return id && (await containers.active(id, owner)) ? id : undefined;
}

/** A file of the Files API copied into the container, under its name. */
async function copyFile(
  services: ToolServices,
  containers: Containers,
  containerId: string,
  fileId: string,
  param: string,
): Promise<void> {
  const found = await services.stores.files.content(fileId, services.owner);
  // Deleted since the request was checked.
  if (!found) throw badRequest(param, `No file found with id '${fileId}'.`);
  await containers.addFile(containerId, services.owner, found.file.filename, found.content, 'user');
}

/** The traceback of a failed run without Pyodide's own frames: the user's code's frames on. */
function trimTraceback(error: string): string {
  const lines = error.split('\n');
  const lastInternal = lines.findLastIndex((line) => /^\s*File ".*\/_pyodide\//.test(line));
  if (lastInternal < 0) return error;
  const rest = lines.slice(lastInternal + 1);
  const start = rest.findIndex((line) => /^\s*File "/.test(line) || /^\S/.test(line));
  return ['Traceback (most recent call last):', ...rest.slice(Math.max(0, start))].join('\n');
}

/**
 * `container_file_citation` annotations for files the code wrote: where the text names a file
 * (its path or its name), else once at the end of the text, so the client learns every file id.
 */
function citeFiles(text: string, written: readonly ContainerFileObject[], cited: Set<string>): Annotation[] {
  const annotations: Annotation[] = [];
  for (const file of written) {
    const name = posix.basename(file.path);
    const citation = (start: number, end: number): Annotation => ({
      type: 'container_file_citation',
      container_id: file.container_id,
      file_id: file.id,
      filename: name,
      start_index: start,
      end_index: end,
    });
    const needle = text.includes(file.path) ? file.path : name;
    const found: Annotation[] = [];
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length))
      found.push(citation(at, at + needle.length));
    if (found.length === 0 && !cited.has(file.id)) found.push(citation(text.length, text.length));
    if (found.length > 0) cited.add(file.id);
    annotations.push(...found);
  }
  return annotations.sort((a, b) => Number(a.start_index) - Number(b.start_index));
}
