import { badRequest } from '../api/errors.ts';
import { isClientTool, toolAt } from '../engine/hosted-tools.ts';
import type { HostedToolsFactory } from '../engine/hosted-tool-runner.ts';
import type { Tool } from '../api/tools.ts';
import type { ToolModule, ToolServices } from './hosted-tool.ts';
import { ToolRunner, type BoundDefinition } from './tool-runner.ts';

/**
 * Builds, for each response, the runner of the hosted tools Portico runs for it: every
 * definition of a type a module runs, except those the model's provider runs itself (OpenAI's
 * own hosted tools pass through unless the config says Portico runs them).
 */
export function hostedToolsFactory(
  modules: readonly ToolModule[],
  services: ToolServices,
): HostedToolsFactory {
  return async ({ offered, historyLength, provider, signal }) => {
    const { turn, paths } = offered;
    const runnable = (type: string) => modules.some((module) => module.types.includes(type));
    if (!turn.tools.some((tool) => runnable(tool.type))) return undefined;
    // What the provider reports it cannot serve; a hosted tool it does not report, it runs.
    const cannot = new Set(
      (provider.unsupported?.(turn) ?? []).flatMap((entry) => {
        const tool = toolAt(entry.param, turn.tools);
        return tool ? [tool] : [];
      }),
    );
    const bound: BoundDefinition[] = [];
    for (const [index, definition] of turn.tools.entries()) {
      const module = modules.find((candidate) => candidate.types.includes(definition.type));
      if (!module) continue;
      if (!cannot.has(definition) && !services.config.runForOpenAI) continue;
      const path = paths[index] ?? `tools[${index}]`;
      const tool = await module.bind(definition, {
        services,
        path,
        items: turn.items,
        input: turn.items.slice(historyLength),
        include: turn.include,
        signal,
      });
      if (tool) bound.push({ index, path, module, tool });
    }
    if (bound.length === 0) return undefined;
    checkNames(bound, turn.tools);
    return new ToolRunner(bound, services);
  };
}

/** Functions offered for hosted tools must not take the name of a client's function, nor each other's. */
function checkNames(bound: readonly BoundDefinition[], tools: readonly Tool[]): void {
  const taken = new Set(
    tools.flatMap((tool) => (isClientTool(tool) && 'name' in tool ? [String(tool.name)] : [])),
  );
  for (const { tool, path } of bound)
    for (const fn of tool.functions) {
      if (taken.has(fn.name))
        throw badRequest(
          path,
          `${path} offers the model a function named '${fn.name}', the name of another tool of the request.`,
        );
      taken.add(fn.name);
    }
}
