import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { EditorForm, type EditorProps } from '../components/editor-form.tsx';
import { ErrorNote, Loading } from '../components/notice.tsx';
import { TableHead } from '../components/table-head.tsx';
import type { Gateway, List } from '../types.ts';
import { useForm } from '../use-form.ts';
import { useLoad } from '../use-load.ts';
import { gatewayForm, gatewaySettings, NEW_GATEWAY, type GatewayForm } from './gateway-form.ts';

const limitText = (g: Gateway) =>
  g.rate_limit ? `${g.rate_limit.limit} / ${g.rate_limit.period}s ${g.rate_limit.technique}` : 'none';

/** The gateway's own limit and how many spend rules it enforces (set through the API). */
const spendText = (g: Gateway) => {
  const rules = g.spend_limits?.enabled ? g.spend_limits.rules.filter((rule) => rule.enabled).length : 0;
  const limit = g.spend_limit && `$${g.spend_limit.limit_usd} / ${g.spend_limit.period}s`;
  const ruled = rules > 0 && `${rules} rule${rules === 1 ? '' : 's'}`;
  return [limit, ruled].filter(Boolean).join(' + ') || 'none';
};

/** Gateways by id: their cache, limits, logging and retries; created, edited and deleted here (config-file ones are read-only). */
export function GatewaysPage() {
  const gateways = useLoad((signal) => api<List<Gateway>>('/v1/gateways', { signal }), []);
  const [editing, setEditing] = useState<Gateway | 'new'>();
  const [error, setError] = useState<Error>();
  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      setError(undefined);
      setEditing(undefined);
      gateways.reload();
    } catch (thrown) {
      setError(thrown as Error);
    }
  };
  const save = (form: GatewayForm) =>
    act(() =>
      editing === 'new'
        ? api('/v1/gateways', { method: 'POST', body: { id: form.id, ...gatewaySettings(form) } })
        : api(`/v1/gateways/${encodeURIComponent(form.id)}`, {
            method: 'PATCH',
            body: gatewaySettings(form),
          }),
    );
  const remove = (gateway: Gateway) =>
    confirm(`Delete the gateway ${gateway.id}?`) &&
    act(() => api(`/v1/gateways/${encodeURIComponent(gateway.id)}`, { method: 'DELETE' }));
  return (
    <section aria-labelledby="gateways-title">
      <header class="page-head">
        <h1 id="gateways-title">Gateways</h1>
        <button type="button" onClick={() => setEditing('new')}>
          Create gateway
        </button>
      </header>
      <ErrorNote error={gateways.error ?? error} />
      {editing ? (
        <GatewayEditor
          key={editing === 'new' ? 'new' : editing.id}
          initial={editing === 'new' ? NEW_GATEWAY : gatewayForm(editing)}
          creating={editing === 'new'}
          onSave={save}
          onCancel={() => setEditing(undefined)}
        />
      ) : null}
      {!gateways.data ? (
        gateways.error ? null : (
          <Loading />
        )
      ) : (
        <div class="table-wrap">
          <table>
            <TableHead
              columns={[
                'Id',
                'Auth',
                'Cache TTL',
                'Rate limit',
                'Logs',
                'Retries',
                'Spend limit',
                'Source',
                'Actions',
              ]}
            />
            <tbody>
              {gateways.data.data.map((g) => (
                <tr key={g.id}>
                  <th scope="row">{g.id}</th>
                  <td>{g.authentication ? 'required' : 'open'}</td>
                  <td>{g.cache_ttl ? `${g.cache_ttl}s` : 'off'}</td>
                  <td>{limitText(g)}</td>
                  <td>
                    {g.collect_logs ? (g.log_payloads ? 'with bodies' : 'metadata') : 'off'}
                    {g.log_limit ? `, at most ${g.log_limit.max_logs} (${g.log_limit.strategy})` : ''}
                  </td>
                  <td>
                    {g.retries.max_attempts}× {g.retries.backoff}
                  </td>
                  <td>{spendText(g)}</td>
                  <td>{g.source}</td>
                  <td class="actions">
                    {g.source === 'config' ? (
                      <span class="muted">config file</span>
                    ) : (
                      <>
                        <button type="button" onClick={() => setEditing(g)}>
                          Edit
                        </button>
                        {g.source === 'api' ? (
                          <button type="button" class="danger" onClick={() => remove(g)}>
                            Delete
                          </button>
                        ) : null}
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function GatewayEditor(props: EditorProps<GatewayForm>) {
  const { form, text, flag } = useForm(props.initial);
  return (
    <EditorForm
      label={props.creating ? 'New gateway' : `Edit gateway ${form.id}`}
      creating={props.creating}
      onSubmit={() => props.onSave(form)}
      onCancel={props.onCancel}
    >
      {props.creating ? (
        <label>
          Id{' '}
          <input
            name="id"
            required
            value={form.id}
            onInput={text('id')}
            pattern="[a-z0-9][a-z0-9_\-]{0,63}"
          />
        </label>
      ) : null}
      <label class="inline">
        <input type="checkbox" checked={form.authentication} onChange={flag('authentication')} /> Requires a
        key
      </label>
      <label class="inline">
        <input type="checkbox" checked={form.collectLogs} onChange={flag('collectLogs')} /> Logs requests
      </label>
      <label class="inline">
        <input type="checkbox" checked={form.logPayloads} onChange={flag('logPayloads')} /> Logs bodies
      </label>
      <label>
        Logs kept (at most 10,000,000){' '}
        <input
          name="max_logs"
          type="number"
          min={1}
          max={10_000_000}
          value={form.maxLogs}
          onInput={text('maxLogs')}
          placeholder="no limit"
        />
      </label>
      <label>
        Then{' '}
        <select value={form.logStrategy} onChange={text('logStrategy')}>
          <option value="stop_inserting">stop saving</option>
          <option value="delete_oldest">delete the oldest</option>
        </select>
      </label>
      <label>
        Cache TTL (s: 0 is off, else 60 to a month){' '}
        <input
          name="cache_ttl"
          type="number"
          min={0}
          max={2_592_000}
          value={form.cacheTtl}
          onInput={text('cacheTtl')}
        />
      </label>
      <label>
        Rate limit (requests){' '}
        <input
          name="rate_limit"
          type="number"
          min={1}
          value={form.rateLimit}
          onInput={text('rateLimit')}
          placeholder="none"
        />
      </label>
      <label>
        per (s) <input type="number" min={1} value={form.ratePeriod} onInput={text('ratePeriod')} />
      </label>
      <label>
        Window{' '}
        <select value={form.rateTechnique} onChange={text('rateTechnique')}>
          <option value="fixed">fixed</option>
          <option value="sliding">sliding</option>
        </select>
      </label>
      <label>
        Attempts{' '}
        <input type="number" min={1} max={5} value={form.maxAttempts} onInput={text('maxAttempts')} />
      </label>
      <label>
        Retry delay (ms){' '}
        <input type="number" min={0} max={5000} value={form.retryDelayMs} onInput={text('retryDelayMs')} />
      </label>
      <label>
        Backoff{' '}
        <select value={form.backoff} onChange={text('backoff')}>
          <option value="constant">constant</option>
          <option value="linear">linear</option>
          <option value="exponential">exponential</option>
        </select>
      </label>
      <label>
        Timeout (ms){' '}
        <input type="number" min={1} value={form.timeoutMs} onInput={text('timeoutMs')} placeholder="none" />
      </label>
      <label>
        Spend limit ($){' '}
        <input
          type="number"
          min={0}
          step="any"
          value={form.spendUsd}
          onInput={text('spendUsd')}
          placeholder="none"
        />
      </label>
      <label>
        per (s) <input type="number" min={1} value={form.spendPeriod} onInput={text('spendPeriod')} />
      </label>
    </EditorForm>
  );
}
