import type { Prompt } from '../types.ts';

interface PromptFieldsProps {
  prompts: Prompt[];
  prompt: Prompt | undefined;
  /** The prompt at the version chosen: whose variables are asked for. */
  shown: Prompt | undefined;
  /** '' for the latest. */
  version: string;
  variables: Record<string, string>;
  onPrompt: (id: string) => void;
  onVersion: (event: Event) => void;
  onVariable: (name: string, value: string) => void;
}

/**
 * The playground's stored prompt: which one (or none), which version, and a field for each
 * variable that version names (a default, where its template has one, as placeholder).
 */
export function PromptFields({
  prompts,
  prompt,
  shown,
  version,
  variables,
  onPrompt,
  onVersion,
  onVariable,
}: PromptFieldsProps) {
  const defaults = (shown?.template.variables ?? {}) as Record<string, unknown>;
  const versions = Array.from({ length: Number(prompt?.latest_version ?? 0) }, (_, n) => String(n + 1));
  return (
    <>
      <label>
        Prompt
        <select
          name="prompt"
          value={prompt?.id ?? ''}
          onChange={(event) => onPrompt(event.currentTarget.value)}
        >
          <option value="">none</option>
          {prompts.map((p) => (
            <option value={p.id}>{p.name ?? p.id}</option>
          ))}
        </select>
      </label>
      {prompt ? (
        <>
          <label>
            Prompt version
            <select name="prompt_version" value={version} onChange={onVersion}>
              <option value="">latest ({prompt.latest_version})</option>
              {versions.reverse().map((v) => (
                <option value={v}>{v}</option>
              ))}
            </select>
          </label>
          {(shown ?? prompt).variables.map((name) => (
            <label key={name}>
              {`{{${name}}}`}
              <input
                name={`variable-${name}`}
                value={variables[name] ?? ''}
                placeholder={typeof defaults[name] === 'string' ? defaults[name] : ''}
                onInput={(event) => onVariable(name, event.currentTarget.value)}
              />
            </label>
          ))}
        </>
      ) : null}
    </>
  );
}
