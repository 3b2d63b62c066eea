import type { ContentPart, Item } from '../api/items.ts';
import type { Tool, ToolChoice } from '../api/tools.ts';
import type { Sampling, Turn } from '../providers/provider.ts';

const SAMPLING: Record<string, keyof Sampling> = {
  temperature: 'temperature',
  top_p: 'topP',
  seed: 'seed',
  max_output_tokens: 'maxOutputTokens',
  presence_penalty: 'presencePenalty',
  frequency_penalty: 'frequencyPenalty',
  stop: 'stop',
};

interface Removals {
  tools: Set<number>;
  items: Set<number>;
  /** Content part indices to remove, by item index: `content` of messages, `output` of tool outputs. */
  parts: Map<number, Set<number>>;
}

/** Records one removal; false for a path this function does not know how to remove. */
function plan(turn: Turn, param: string, removals: Removals): boolean {
  const tool = /^tools\[(\d+)\]/.exec(param);
  if (tool) {
    removals.tools.add(Number(tool[1]));
    return true;
  }
  const part = /^input\[(\d+)\]\.(?:content|output)\[(\d+)\]/.exec(param);
  if (part) {
    const item = Number(part[1]);
    const set = removals.parts.get(item) ?? new Set<number>();
    removals.parts.set(item, set.add(Number(part[2])));
    return true;
  }
  const item = /^input\[(\d+)\]/.exec(param);
  if (item) {
    removals.items.add(Number(item[1]));
    return true;
  }
  if (Object.hasOwn(SAMPLING, param)) {
    delete turn.sampling[SAMPLING[param]!];
    return true;
  }
  const [head, field] = param.split('.');
  switch (head) {
    case 'tool_choice':
      turn.toolChoice = 'auto';
      return true;
    case 'parallel_tool_calls':
      turn.parallelToolCalls = true;
      return true;
    case 'instructions':
      turn.instructions = undefined;
      return true;
    case 'text':
      if (field === 'verbosity') delete turn.text.verbosity;
      else if (field === 'format') turn.text.format = { type: 'text' };
      else return false;
      return true;
    case 'reasoning':
      if (!turn.reasoning) return true;
      if (!field) turn.reasoning = undefined;
      else if (field === 'summary')
        turn.reasoning = { ...turn.reasoning, summary: null, generate_summary: null };
      else turn.reasoning = { ...turn.reasoning, [field]: null };
      return true;
    case 'include':
      turn.include = [];
      return true;
    default:
      return false;
  }
}

function withoutParts(item: Item, drop: Set<number>): Item {
  const keep = <T>(list: T[]) => list.filter((_, index) => !drop.has(index));
  if (item.type === 'message') return { ...item, content: keep(item.content) };
  if (
    (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') &&
    Array.isArray(item.output)
  )
    return { ...item, output: keep(item.output as ContentPart[]) };
  return item;
}

/** `tool_choice` after tools were removed: it may not name a tool that is gone. */
function remainingChoice(choice: ToolChoice, tools: readonly Tool[]): ToolChoice {
  const has = (type: string, name: unknown) =>
    tools.some((tool) => tool.type === type && (tool as { name?: unknown }).name === name);
  if (typeof choice === 'string') return tools.length === 0 && choice === 'required' ? 'auto' : choice;
  if (choice.type === 'function' || choice.type === 'custom')
    return has(choice.type, (choice as { name?: unknown }).name) ? choice : 'auto';
  if (choice.type === 'allowed_tools') {
    const allowed = (choice as { tools: Array<{ type: string; name?: unknown }> }).tools.filter((entry) =>
      entry.name === undefined ? tools.some((tool) => tool.type === entry.type) : has(entry.type, entry.name),
    );
    return allowed.length > 0 ? { ...choice, tools: allowed } : 'auto';
  }
  return tools.some((tool) => tool.type === choice.type) ? choice : 'auto';
}

/**
 * The turn without what `params` name (paths as providers report them, `input[k]` indexing
 * `turn.items`). Returns the params it could not remove, which must then be refused.
 */
export function dropFromTurn(source: Turn, params: readonly string[]): { turn: Turn; kept: string[] } {
  const turn: Turn = { ...source, sampling: { ...source.sampling }, text: { ...source.text } };
  const removals: Removals = { tools: new Set(), items: new Set(), parts: new Map() };
  const kept = params.filter((param) => !plan(turn, param, removals));
  if (removals.tools.size > 0) {
    turn.tools = turn.tools.filter((_, index) => !removals.tools.has(index));
    turn.toolChoice = remainingChoice(turn.toolChoice, turn.tools);
  }
  turn.items = turn.items.flatMap((item, index) => {
    if (removals.items.has(index)) return [];
    const parts = removals.parts.get(index);
    if (!parts) return [item];
    const rest = withoutParts(item, parts);
    // A message left without any part has nothing to say.
    return rest.type === 'message' && rest.content.length === 0 ? [] : [rest];
  });
  return { turn, kept };
}
