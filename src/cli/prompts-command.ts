import { readFile } from 'node:fs/promises';
import { text as readText } from 'node:stream/consumers';
import { parsePromptVersion } from '../api/prompt-version.ts';
import type { PromptObject } from '../api/prompts.ts';
import { CONNECTION_OPTIONS, openBackend, type CliBackend } from './backend.ts';
import { fail, RUNTIME_OPTIONS, text, UsageError, type Command, type Values } from './command.ts';
import { formatTable, minuteText } from './print-table.ts';

const USAGE = `portico prompts list [--json]
       portico prompts show ID [--version N] [--json]
       portico prompts create --file TEMPLATE.json [--name NAME] [--description TEXT] [--json]
       portico prompts version ID --file TEMPLATE.json [--json]
       portico prompts delete ID
  TEMPLATE.json holds a prompt template: instructions, input messages, variables' defaults, model
  and request parameters; --file - reads it from stdin. In-process the prompts are the default
  project's; add --url URL --key KEY to manage a running server's (the key's project).`;

const ACTIONS = new Set(['list', 'show', 'create', 'version', 'delete']);

/** The template file as JSON: the server (or the runtime) checks what it holds. */
async function readTemplate(path: string): Promise<unknown> {
  const where = path === '-' ? 'stdin' : path;
  let source: string;
  try {
    source = path === '-' ? await readText(process.stdin) : await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${where}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(source);
  } catch (error) {
    throw new Error(`${where} is not JSON: ${(error as Error).message}`);
  }
}

/** A prompt at one version: what describes it, then its template as JSON. */
function promptText(prompt: PromptObject): string {
  const rows = [
    ['id', prompt.id],
    ['name', prompt.name ?? '-'],
    ['description', prompt.description ?? '-'],
    ['version', `${prompt.version} of ${prompt.latest_version}`],
    ['variables', prompt.variables.join(', ') || '-'],
    ['created', `${minuteText(prompt.created_at)} UTC`],
    ['version made', `${minuteText(prompt.version_created_at)} UTC`],
    ...Object.entries(prompt.metadata).map(([key, value]) => [`metadata.${key}`, value]),
  ];
  const width = Math.max(...rows.map(([name]) => name!.length));
  const lines = rows.map(([name, value]) => `${name!.padEnd(width)}  ${value}`);
  return `${lines.join('\n')}\ntemplate:\n${JSON.stringify(prompt.template, null, 2)}\n`;
}

async function printList(backend: CliBackend, json: boolean): Promise<void> {
  const prompts: PromptObject[] = [];
  for (let after: string | undefined, more = true; more;) {
    const page = await backend.prompts(after);
    prompts.push(...page.data);
    [after, more] = [page.last_id ?? undefined, page.has_more];
  }
  if (json) process.stdout.write(`${JSON.stringify(prompts, null, 2)}\n`);
  else
    process.stdout.write(
      formatTable(
        ['ID', 'NAME', 'LATEST', 'VARIABLES', 'CREATED'],
        prompts.map((p) => [
          p.id,
          p.name ?? '-',
          p.latest_version,
          p.variables.join(', ') || '-',
          minuteText(p.created_at),
        ]),
      ),
    );
}

/** `--version N` of `show`: a positive integer, or a usage error. */
function versionOption(values: Values): number | undefined {
  const version = text(values, 'version');
  try {
    return version === undefined ? undefined : parsePromptVersion(version, '--version');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export const promptsCommand: Command = {
  summary:
    'Lists, shows, creates, versions and deletes reusable prompts (the templates of `prompt` in a request).',
  usage: USAGE,
  maxArguments: 2,
  options: {
    ...RUNTIME_OPTIONS,
    ...CONNECTION_OPTIONS,
    file: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    version: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(positionals, values) {
    const [action = 'list', id] = positionals;
    if (!ACTIONS.has(action)) throw new UsageError(`unknown action '${action}'`);
    const needsId = action !== 'list' && action !== 'create';
    if (needsId && !id) throw new UsageError(`${action} takes a prompt id`);
    if (!needsId && id) throw new UsageError(`unexpected argument '${id}'`);
    const file = text(values, 'file');
    if ((action === 'create' || action === 'version') && file === undefined)
      throw new UsageError(`${action} takes --file TEMPLATE.json (or --file - for stdin)`);
    const version = versionOption(values);
    for (const [option, allowed] of [
      ['file', action === 'create' || action === 'version'],
      ['name', action === 'create'],
      ['description', action === 'create'],
      ['version', action === 'show'],
    ] as const)
      if (!allowed && values[option] !== undefined) throw new UsageError(`${action} takes no --${option}`);
    const template = file === undefined ? undefined : await readTemplate(file);
    const backend = await openBackend(values);
    try {
      if (action === 'list') {
        await printList(backend, values.json === true);
        return 0;
      }
      if (action === 'delete') {
        await backend.deletePrompt(id!);
        process.stderr.write(`Deleted the prompt ${id} and its versions.\n`);
        return 0;
      }
      const prompt =
        action === 'create'
          ? await backend.createPrompt({
              template,
              ...(values.name !== undefined ? { name: values.name } : {}),
              ...(values.description !== undefined ? { description: values.description } : {}),
            })
          : action === 'version'
            ? await backend.addPromptVersion(id!, { template })
            : await backend.prompt(id!, version);
      process.stdout.write(values.json ? `${JSON.stringify(prompt, null, 2)}\n` : promptText(prompt));
      return 0;
    } catch (error) {
      return fail(error);
    } finally {
      await backend.close();
    }
  },
};
