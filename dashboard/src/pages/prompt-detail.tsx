import { useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { Facts } from '../components/facts.tsx';
import { Pager } from '../components/pager.tsx';
import { ErrorNote, JsonBlock, Loading } from '../components/notice.tsx';
import { formatJson, formatTime } from '../format.ts';
import { href } from '../router.ts';
import type { List, Prompt } from '../types.ts';
import { useLoad } from '../use-load.ts';
import { parseTemplate, PromptEditor, type PromptForm } from './prompt-editor.tsx';

const PAGE_SIZE = 20;

/** One prompt: what describes it, its versions newest first (each template as JSON), a new version, delete. */
export function PromptDetailPage({ id }: { id: string }) {
  const path = `/v1/prompts/${encodeURIComponent(id)}`;
  // The cursors (version numbers) of the pages before this one: empty on the first page.
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors.at(-1);
  const versions = useLoad(
    (signal) => api<List<Prompt>>(`${path}/versions${query({ limit: PAGE_SIZE, after })}`, { signal }),
    [id, after],
  );
  // The prompt at its latest version: what a new version starts from.
  const prompt = useLoad((signal) => api<Prompt>(path, { signal }), [id]);
  const latest = prompt.data;
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<Error>();
  const addVersion = async (form: PromptForm) => {
    try {
      await api(`${path}/versions`, { method: 'POST', body: { template: parseTemplate(form) } });
      setError(undefined);
      setAdding(false);
      setCursors([]);
      prompt.reload();
      versions.reload();
    } catch (thrown) {
      setError(thrown as Error);
    }
  };
  const remove = async () => {
    if (!confirm(`Delete the prompt ${latest?.name ?? id} and all its versions?`)) return;
    try {
      await api(path, { method: 'DELETE' });
      location.hash = href('prompts');
    } catch (thrown) {
      setError(thrown as Error);
    }
  };
  return (
    <section aria-labelledby="prompt-title">
      <header class="page-head">
        <h1 id="prompt-title">Prompt {latest?.name ?? id}</h1>
        <div class="controls">
          <a href={href('prompts')}>← All prompts</a>
          <a href={href('playground', id)}>Try in the playground</a>
          <button type="button" disabled={!latest} onClick={() => (setAdding(true), setError(undefined))}>
            New version
          </button>
          <button type="button" class="danger" disabled={!latest} onClick={remove}>
            Delete
          </button>
        </div>
      </header>
      <ErrorNote error={prompt.error ?? versions.error ?? error} />
      {adding && latest ? (
        <PromptEditor
          label={`New version of ${latest.name ?? id}`}
          initial={{ name: '', description: '', template: formatJson(latest.template) }}
          creating={false}
          onSave={addVersion}
          onCancel={() => (setAdding(false), setError(undefined))}
        />
      ) : null}
      {!versions.data ? (
        versions.error ? null : (
          <Loading />
        )
      ) : (
        <>
          {latest ? <PromptFacts prompt={latest} /> : null}
          {versions.data.data.map((version) => (
            <article key={version.version} aria-label={`Version ${version.version}`}>
              <h2>
                Version {version.version}
                {version.version === version.latest_version ? ' (latest)' : ''}
              </h2>
              <p class="muted">
                {formatTime(version.version_created_at)} · variables: {version.variables.join(', ') || 'none'}
              </p>
              <JsonBlock value={version.template} label={`Template of version ${version.version}`} />
            </article>
          ))}
        </>
      )}
      <Pager cursors={cursors} onChange={setCursors} page={versions.data} label="Versions" />
    </section>
  );
}

function PromptFacts({ prompt }: { prompt: Prompt }) {
  const facts: [string, string][] = [
    ['Id', prompt.id],
    ['Description', prompt.description ?? '–'],
    ['Latest version', prompt.latest_version],
    ['Created', formatTime(prompt.created_at)],
    ...Object.entries(prompt.metadata).map(([key, value]): [string, string] => [`metadata.${key}`, value]),
  ];
  return <Facts facts={facts} />;
}
