import { useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { Pager } from '../components/pager.tsx';
import { ErrorNote, Loading } from '../components/notice.tsx';
import { TableHead } from '../components/table-head.tsx';
import { formatTime } from '../format.ts';
import { href } from '../router.ts';
import type { List, Prompt } from '../types.ts';
import { useLoad } from '../use-load.ts';
import { NEW_PROMPT, parseTemplate, PromptEditor, type PromptForm } from './prompt-editor.tsx';

const PAGE_SIZE = 50;

/** Reusable prompts of the key's project, newest first: created and deleted here; a row opens its versions. */
export function PromptsPage() {
  // The cursors of the pages before this one: empty on the first page.
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors.at(-1);
  const prompts = useLoad(
    (signal) => api<List<Prompt>>(`/v1/prompts${query({ limit: PAGE_SIZE, after })}`, { signal }),
    [after],
  );
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<Error>();
  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      setError(undefined);
      setCreating(false);
      setCursors([]);
      prompts.reload();
    } catch (thrown) {
      setError(thrown as Error);
    }
  };
  const create = (form: PromptForm) =>
    act(() =>
      api('/v1/prompts', {
        method: 'POST',
        body: {
          template: parseTemplate(form),
          ...(form.name ? { name: form.name } : {}),
          ...(form.description ? { description: form.description } : {}),
        },
      }),
    );
  const remove = (prompt: Prompt) =>
    confirm(`Delete the prompt ${prompt.name ?? prompt.id} and all its versions?`) &&
    act(() => api(`/v1/prompts/${encodeURIComponent(prompt.id)}`, { method: 'DELETE' }));
  return (
    <section aria-labelledby="prompts-title">
      <header class="page-head">
        <h1 id="prompts-title">Prompts</h1>
        <button type="button" onClick={() => (setCreating(true), setError(undefined))}>
          Create prompt
        </button>
      </header>
      <ErrorNote error={prompts.error ?? error} />
      {creating ? (
        <PromptEditor
          label="New prompt"
          initial={NEW_PROMPT}
          creating={true}
          onSave={create}
          onCancel={() => (setCreating(false), setError(undefined))}
        />
      ) : null}
      {!prompts.data ? (
        prompts.error ? null : (
          <Loading />
        )
      ) : prompts.data.data.length === 0 ? (
        <p class="muted">
          No prompts yet: create one here, or with <code>portico prompts create</code>.
        </p>
      ) : (
        <div class="table-wrap">
          <table data-testid="prompts-table">
            <TableHead columns={['Name', 'Id', 'Latest version', 'Variables', 'Created', 'Actions']} />
            <tbody>
              {prompts.data.data.map((prompt) => (
                <tr key={prompt.id} data-prompt-id={prompt.id}>
                  <th scope="row">
                    <a href={href('prompts', prompt.id)}>{prompt.name ?? '(unnamed)'}</a>
                  </th>
                  <td>{prompt.id}</td>
                  <td>{prompt.latest_version}</td>
                  <td>{prompt.variables.join(', ') || '–'}</td>
                  <td>{formatTime(prompt.created_at)}</td>
                  <td class="actions">
                    <button type="button" class="danger" onClick={() => remove(prompt)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager cursors={cursors} onChange={setCursors} page={prompts.data} label="Pages" />
    </section>
  );
}
