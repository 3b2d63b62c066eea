import { useEffect, useState } from 'preact/hooks';
import { api, RequestError, storedKey, storeKey, UNAUTHORIZED_EVENT } from './api.ts';
import { ErrorNote, Loading } from './components/notice.tsx';
import { GatewaysPage } from './pages/gateways.tsx';
import { KeysPage } from './pages/keys.tsx';
import { LogDetailPage } from './pages/log-detail.tsx';
import { LogsPage } from './pages/logs.tsx';
import { ModelsPage } from './pages/models.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { PlaygroundPage } from './pages/playground.tsx';
import { PromptDetailPage } from './pages/prompt-detail.tsx';
import { PromptsPage } from './pages/prompts.tsx';
import { href, useRoute } from './router.ts';
import { useLoad } from './use-load.ts';

const PAGES = [
  ['overview', 'Overview'],
  ['logs', 'Logs'],
  ['playground', 'Playground'],
  ['models', 'Models'],
  ['gateways', 'Gateways'],
  ['keys', 'Keys'],
  ['prompts', 'Prompts'],
] as const;

/**
 * The dashboard: it needs what the admin API needs. Without keys on the server a loopback
 * visitor is the admin; otherwise it asks for an admin key, once per tab. When the API refuses
 * the key later (the first key was just created, or this one revoked), it asks again above the
 * page, which stays (so a key just shown once is still on screen).
 */
export function App() {
  const [key, setKey] = useState(storedKey());
  const [refused, setRefused] = useState(false);
  useEffect(() => {
    const ask = () => setRefused(true);
    addEventListener(UNAUTHORIZED_EVENT, ask);
    return () => removeEventListener(UNAUTHORIZED_EVENT, ask);
  }, []);
  const access = useLoad(
    (signal) => api('/v1/keys?include_revoked=false', { signal }).then(() => true),
    [key],
  );
  const denied =
    access.error instanceof RequestError && (access.error.status === 401 || access.error.status === 403);
  const signIn = (value: string | null) => {
    storeKey(value);
    setKey(value);
    setRefused(false);
  };
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Portico</span>
        {access.data ? <Nav /> : null}
        {key ? (
          <button type="button" class="link" onClick={() => signIn(null)}>
            Forget key
          </button>
        ) : null}
      </header>
      <main id="main" tabIndex={-1}>
        {access.data && refused ? <KeyPrompt error={undefined} onKey={signIn} /> : null}
        {access.data ? (
          <Page key={key ?? ''} />
        ) : denied ? (
          <KeyPrompt error={key ? access.error : undefined} onKey={signIn} />
        ) : access.error ? (
          <ErrorNote error={access.error} />
        ) : (
          <Loading />
        )}
      </main>
    </>
  );
}

function Nav() {
  const [current] = useRoute();
  return (
    <nav aria-label="Pages">
      <ul>
        {PAGES.map(([id, label]) => (
          <li key={id}>
            <a href={href(id)} aria-current={(current ?? 'overview') === id ? 'page' : undefined}>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Page() {
  const [page, id] = useRoute();
  switch (page) {
    case 'logs':
      return id ? <LogDetailPage id={id} /> : <LogsPage />;
    case 'playground':
      return <PlaygroundPage prompt={id} />;
    case 'models':
      return <ModelsPage />;
    case 'gateways':
      return <GatewaysPage />;
    case 'keys':
      return <KeysPage />;
    case 'prompts':
      return id ? <PromptDetailPage id={id} /> : <PromptsPage />;
    default:
      return <OverviewPage />;
  }
}

function KeyPrompt({ error, onKey }: { error: Error | undefined; onKey: (key: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <form class="key-prompt" onSubmit={(e) => (e.preventDefault(), value.trim() && onKey(value.trim()))}>
      <h1>Sign in</h1>
      <p>
        This Portico has API keys, so the dashboard needs an admin key (create one with{' '}
        <code>portico keys create --admin</code>). It is kept in this tab only.
      </p>
      <ErrorNote error={error} />
      <label>
        Admin key{' '}
        <input
          type="password"
          name="key"
          autoComplete="off"
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
          required
        />
      </label>
      <button type="submit">Open the dashboard</button>
    </form>
  );
}
