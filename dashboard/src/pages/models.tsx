import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorNote, JsonBlock, Loading } from '../components/notice.tsx';
import { TableHead } from '../components/table-head.tsx';
import { formatCount } from '../format.ts';
import type { List, Model } from '../types.ts';
import { useLoad } from '../use-load.ts';

const perMillion = (usd: number | null) => (usd === null ? '–' : `$${usd} / 1M`);

/** The catalog: capabilities, context window and pricing; a model's input and output JSON schemas on demand. */
export function ModelsPage() {
  const models = useLoad((signal) => api<List<Model>>('/v1/models', { signal }), []);
  const [open, setOpen] = useState<string>();
  return (
    <section aria-labelledby="models-title">
      <header class="page-head">
        <h1 id="models-title">Models</h1>
      </header>
      <ErrorNote error={models.error} />
      {!models.data ? (
        models.error ? null : (
          <Loading />
        )
      ) : (
        <div class="table-wrap">
          <table>
            <TableHead
              columns={[
                'Model',
                'Where',
                'Context',
                'Max output',
                'Input',
                'Cached input',
                'Output',
                'Capabilities',
                'Schemas',
              ]}
            />
            <tbody>
              {models.data.data.map((model) => (
                <tr key={model.id}>
                  <th scope="row">
                    {model.id}
                    {model.alias_of ? <span class="muted"> → {model.alias_of}</span> : null}
                  </th>
                  <td>{model.proxied ? `proxied (${model.owned_by})` : 'local'}</td>
                  <td>{formatCount(model.context_window)}</td>
                  <td>{model.max_output_tokens === null ? '–' : formatCount(model.max_output_tokens)}</td>
                  <td>{perMillion(model.pricing?.input ?? null)}</td>
                  <td>{perMillion(model.pricing?.cached_input ?? null)}</td>
                  <td>{perMillion(model.pricing?.output ?? null)}</td>
                  <td>
                    {[
                      model.capabilities.tools && 'tools',
                      model.capabilities.vision && 'vision',
                      model.capabilities.structured_output && 'structured output',
                      model.capabilities.reasoning_efforts.length > 0 &&
                        `reasoning (${model.capabilities.reasoning_efforts.join(', ')})`,
                    ]
                      .filter(Boolean)
                      .join(', ') || 'text'}
                  </td>
                  <td>
                    <button
                      type="button"
                      aria-expanded={open === model.id}
                      onClick={() => setOpen(open === model.id ? undefined : model.id)}
                    >
                      {open === model.id ? 'Hide' : 'Show'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open ? <Schemas model={open} /> : null}
    </section>
  );
}

function Schemas({ model }: { model: string }) {
  const schema = useLoad(
    (signal) =>
      api<{ result: { input: unknown; output: unknown } }>(
        `/client/v4/accounts/portico/ai/models/schema?model=${encodeURIComponent(model)}`,
        { signal },
      ),
    [model],
  );
  return (
    <section aria-label={`Schemas of ${model}`}>
      <h2>{model}: input and output schemas</h2>
      <ErrorNote error={schema.error} />
      {schema.data ? (
        <div class="two">
          <JsonBlock value={schema.data.result.input} label="Input schema" />
          <JsonBlock value={schema.data.result.output} label="Output schema" />
        </div>
      ) : null}
    </section>
  );
}
