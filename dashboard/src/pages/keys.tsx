import { useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { EditorForm, type EditorProps } from '../components/editor-form.tsx';
import { ErrorNote, Loading } from '../components/notice.tsx';
import { TableHead } from '../components/table-head.tsx';
import { formatTime } from '../format.ts';
import type { Key, List } from '../types.ts';
import { useForm } from '../use-form.ts';
import { useLoad } from '../use-load.ts';

interface KeyForm {
  name: string;
  project: string;
  admin: boolean;
  models: string;
  gateways: string;
  expiresDays: string;
}
const EMPTY: KeyForm = { name: '', project: '', admin: false, models: '', gateways: '', expiresDays: '' };

const list = (text: string) =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

/** The fields of `POST /v1/keys` (or, without the project, of an update) from the form. */
function keyRequest(form: KeyForm, creating: boolean): Record<string, unknown> {
  const models = list(form.models);
  const gateways = list(form.gateways);
  return {
    ...(form.name ? { name: form.name } : {}),
    ...(creating && form.project ? { project: form.project } : {}),
    scopes: {
      ...(models.length ? { models } : {}),
      ...(gateways.length ? { gateways } : {}),
      ...(form.admin ? { admin: true } : {}),
    },
    ...(form.expiresDays
      ? { expires_at: Math.floor(Date.now() / 1000) + Math.round(Number(form.expiresDays) * 86_400) }
      : {}),
  };
}

function formOf(key: Key): KeyForm {
  return {
    name: key.name,
    project: key.project,
    admin: key.scopes.admin,
    models: key.scopes.models?.join(', ') ?? '',
    gateways: key.scopes.gateways?.join(', ') ?? '',
    expiresDays: '',
  };
}

/** Virtual keys: create (the key is shown once), edit scopes, revoke. */
export function KeysPage() {
  const [showRevoked, setShowRevoked] = useState(false);
  const keys = useLoad(
    (signal) => api<List<Key>>(`/v1/keys${query({ include_revoked: showRevoked || undefined })}`, { signal }),
    [showRevoked],
  );
  const [created, setCreated] = useState<{ id: string; key: string }>();
  const [editing, setEditing] = useState<Key | 'new'>();
  const [error, setError] = useState<Error>();

  const act = async (work: () => Promise<void>) => {
    try {
      await work();
      setError(undefined);
      keys.reload();
    } catch (thrown) {
      setError(thrown as Error);
    }
  };
  const save = (form: KeyForm) =>
    act(async () => {
      if (editing === 'new') {
        const answer = await api<Key & { key: string }>('/v1/keys', {
          method: 'POST',
          body: keyRequest(form, true),
        });
        setCreated({ id: answer.id, key: answer.key });
      } else if (editing) {
        await api(`/v1/keys/${editing.id}`, { method: 'PATCH', body: keyRequest(form, false) });
      }
      setEditing(undefined);
    });
  const revoke = (key: Key) =>
    confirm(`Revoke ${key.name} (${key.id})? Requests with it are refused from now on.`) &&
    act(async () => void (await api(`/v1/keys/${key.id}`, { method: 'DELETE' })));

  return (
    <section aria-labelledby="keys-title">
      <header class="page-head">
        <h1 id="keys-title">Keys</h1>
        <div class="controls">
          <label class="inline">
            <input
              type="checkbox"
              checked={showRevoked}
              onChange={(e) => setShowRevoked(e.currentTarget.checked)}
            />{' '}
            Show revoked
          </label>
          <button type="button" onClick={() => (setEditing('new'), setCreated(undefined))}>
            Create key
          </button>
        </div>
      </header>
      <ErrorNote error={keys.error ?? error} />
      {created ? (
        <div class="once" role="status">
          <p>
            Key <strong>{created.id}</strong> created. This is the only time it is shown: copy it now.
          </p>
          <code data-testid="new-key">{created.key}</code>{' '}
          <button type="button" onClick={() => navigator.clipboard?.writeText(created.key)}>
            Copy
          </button>{' '}
          <button type="button" onClick={() => setCreated(undefined)}>
            Done
          </button>
        </div>
      ) : null}
      {editing ? (
        <KeyEditor
          initial={editing === 'new' ? EMPTY : formOf(editing)}
          creating={editing === 'new'}
          onSave={save}
          onCancel={() => setEditing(undefined)}
        />
      ) : null}
      {!keys.data ? (
        keys.error ? null : (
          <Loading />
        )
      ) : (
        <div class="table-wrap">
          <table data-testid="keys-table">
            <TableHead columns={['Name', 'Id', 'Project', 'Key', 'Scopes', 'Expires', 'State', 'Actions']} />
            <tbody>
              {keys.data.data.map((key) => (
                <tr key={key.id} data-key-id={key.id}>
                  <th scope="row">{key.name}</th>
                  <td>{key.id}</td>
                  <td>{key.project}</td>
                  <td>
                    <code>{key.hint}</code>
                  </td>
                  <td>
                    {key.scopes.admin
                      ? 'admin'
                      : [key.scopes.models?.join(', '), key.scopes.gateways?.join(', ')]
                          .filter(Boolean)
                          .join(' · ') || 'all models'}
                  </td>
                  <td>{key.expires_at === null ? 'never' : formatTime(key.expires_at)}</td>
                  <td class="state">{key.revoked_at === null ? 'active' : 'revoked'}</td>
                  <td class="actions">
                    {key.revoked_at === null ? (
                      <>
                        <button type="button" onClick={() => (setEditing(key), setCreated(undefined))}>
                          Edit
                        </button>
                        <button type="button" class="danger" onClick={() => revoke(key)}>
                          Revoke
                        </button>
                      </>
                    ) : null}
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

function KeyEditor(props: EditorProps<KeyForm>) {
  const { form, text, flag } = useForm(props.initial);
  return (
    <EditorForm
      label={props.creating ? 'New key' : 'Edit key'}
      creating={props.creating}
      onSubmit={() => props.onSave(form)}
      onCancel={props.onCancel}
    >
      <label>
        Name <input name="name" value={form.name} onInput={text('name')} />
      </label>
      {props.creating ? (
        <label>
          Project{' '}
          <input name="project" value={form.project} onInput={text('project')} placeholder="default" />
        </label>
      ) : null}
      <label>
        Models{' '}
        <input
          name="models"
          value={form.models}
          onInput={text('models')}
          placeholder="all (or local/*, openai/gpt-5.4-pro)"
        />
      </label>
      <label>
        Gateways <input name="gateways" value={form.gateways} onInput={text('gateways')} placeholder="all" />
      </label>
      <label>
        Expires in days{' '}
        <input
          name="expires"
          type="number"
          min={1}
          value={form.expiresDays}
          onInput={text('expiresDays')}
          placeholder="never"
        />
      </label>
      <label class="inline">
        <input type="checkbox" name="admin" checked={form.admin} onChange={flag('admin')} /> Admin (manage
        keys and gateways, read every project)
      </label>
    </EditorForm>
  );
}
