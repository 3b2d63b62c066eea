import { useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorNote } from '../components/notice.tsx';
import { formatCount } from '../format.ts';
import { streamResponse, type StreamEvent } from '../stream-response.ts';
import type { List, Model, Prompt } from '../types.ts';
import { PromptFields } from './playground-prompt.tsx';
import { useForm } from '../use-form.ts';
import { useLoad } from '../use-load.ts';
import { DEFAULT_SETTINGS, playgroundRequest, type PlaygroundSettings } from './playground-request.ts';

interface Turn {
  input: string;
  output: string;
  calls: string[];
  responseId?: string;
  status: string;
  usage?: string;
  error?: string;
  events: StreamEvent[];
}

const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'];

/**
 * Try any model: the answer streams in as it is generated, each turn continues the last with
 * `previous_response_id`, and every turn's raw events can be shown.
 */
export function PlaygroundPage({ prompt: chosenPrompt }: { prompt?: string | undefined } = {}) {
  const models = useLoad((signal) => api<List<Model>>('/v1/models', { signal }), []);
  const prompts = useLoad(async (signal) => {
    const list = await api<List<Prompt>>('/v1/prompts?limit=100', { signal });
    // A prompt older than the newest hundred, linked from its page, is read on its own.
    if (!chosenPrompt || list.data.some((p) => p.id === chosenPrompt)) return list;
    const one = await api<Prompt>(`/v1/prompts/${encodeURIComponent(chosenPrompt)}`, { signal });
    return { ...list, data: [one, ...list.data] };
  }, []);
  // `#/playground/pmpt_…` (a prompt page's link) starts with that prompt chosen.
  const {
    form: settings,
    text: update,
    set,
  } = useForm<PlaygroundSettings>({
    ...DEFAULT_SETTINGS,
    prompt: chosenPrompt ?? '',
  });
  const [variables, setVariables] = useState<Record<string, string>>({});
  const [turns, setTurns] = useState<Turn[]>([]);
  const [message, setMessage] = useState('');
  const [showEvents, setShowEvents] = useState(false);
  const [error, setError] = useState<Error>();
  const running = useRef<AbortController | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const prompt = prompts.data?.data.find((p) => p.id === settings.prompt);
  // An older version pinned: its own variables and defaults, not the latest's.
  const pinned = useLoad(
    async (signal) =>
      settings.prompt && settings.promptVersion
        ? api<Prompt>(
            `/v1/prompts/${encodeURIComponent(settings.prompt)}?version=${encodeURIComponent(settings.promptVersion)}`,
            { signal },
          )
        : undefined,
    [settings.prompt, settings.promptVersion],
  );
  const shown =
    settings.promptVersion && pinned.data?.version === settings.promptVersion ? pinned.data : prompt;
  const promptModel = typeof prompt?.template.model === 'string' ? prompt.template.model : undefined;
  // A chosen prompt that names its model runs on it unless another is picked.
  const model = settings.model || (promptModel ? '' : models.data?.data[0]?.id || '');
  const chosen = models.data?.data.find((m) => m.id === (model || promptModel));

  const send = async (event: Event) => {
    event.preventDefault();
    if ((!message.trim() && !prompt) || busy) return;
    let request;
    try {
      const previous = turns.findLast((turn) => turn.responseId && turn.status !== 'failed')?.responseId;
      // Only what the chosen version names: a value typed for another version's variable stays unsent.
      const named = Object.fromEntries(
        Object.entries(variables).filter(([name]) => shown?.variables.includes(name)),
      );
      request = playgroundRequest({ ...settings, model }, message, previous, named);
    } catch (thrown) {
      setError(thrown as Error);
      return;
    }
    setError(undefined);
    const turn: Turn = { input: message, output: '', calls: [], status: 'sending', events: [] };
    const done = [...turns];
    const show = () => setTurns([...done, { ...turn, events: [...turn.events] }]);
    show();
    setMessage('');
    setBusy(true);
    running.current = new AbortController();
    try {
      for await (const streamed of streamResponse(request, running.current.signal)) {
        turn.events.push(streamed);
        if (streamed.type === 'response.output_text.delta') turn.output += streamed.delta ?? '';
        if (streamed.response) {
          turn.responseId = streamed.response.id;
          turn.status = streamed.response.status;
          const usage = streamed.response.usage;
          if (usage)
            turn.usage = `${formatCount(usage.input_tokens)} in · ${formatCount(usage.output_tokens)} out`;
          if (streamed.response.error) turn.error = streamed.response.error.message;
          for (const item of streamed.response.output ?? [])
            if (item.type === 'function_call' && streamed.type === 'response.completed')
              turn.calls.push(`${item.name}(${item.arguments})`);
        }
        if (streamed.type === 'error') turn.error = streamed.message ?? 'the stream failed';
        show();
      }
    } catch (thrown) {
      turn.status = 'failed';
      turn.error = (thrown as Error).name === 'AbortError' ? 'stopped' : (thrown as Error).message;
      show();
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="playground-title" class="playground">
      <header class="page-head">
        <h1 id="playground-title">Playground</h1>
        <div class="controls">
          <label class="inline">
            <input
              type="checkbox"
              checked={showEvents}
              onChange={(e) => setShowEvents(e.currentTarget.checked)}
            />{' '}
            Raw events
          </label>
          <button type="button" onClick={() => setTurns([])} disabled={busy || turns.length === 0}>
            New conversation
          </button>
        </div>
      </header>
      <ErrorNote error={models.error ?? error} />
      <div class="playground-grid">
        <form class="settings" aria-label="Settings" onSubmit={(e) => e.preventDefault()}>
          {prompts.data?.data.length ? (
            <PromptFields
              prompts={prompts.data.data}
              prompt={prompt}
              shown={shown}
              version={settings.promptVersion}
              variables={variables}
              onPrompt={(id) => {
                set({ prompt: id, promptVersion: '' });
                setVariables({});
              }}
              onVersion={update('promptVersion')}
              onVariable={(name, value) => setVariables({ ...variables, [name]: value })}
            />
          ) : null}
          <label>
            Model
            <select value={model} onChange={update('model')} name="model">
              {promptModel ? <option value="">the prompt's ({promptModel})</option> : null}
              {models.data?.data.map((m) => (
                <option value={m.id}>{m.id}</option>
              ))}
            </select>
          </label>
          <label>
            Instructions
            <textarea rows={3} value={settings.instructions} onInput={update('instructions')} />
          </label>
          <label>
            Temperature
            <input
              type="number"
              min={0}
              max={2}
              step={0.1}
              value={settings.temperature}
              onInput={update('temperature')}
            />
          </label>
          <label>
            Max output tokens
            <input
              type="number"
              min={1}
              value={settings.maxOutputTokens}
              onInput={update('maxOutputTokens')}
              name="max_output_tokens"
            />
          </label>
          <label>
            Reasoning effort
            <select value={settings.effort} onChange={update('effort')}>
              <option value="">default</option>
              {EFFORTS.filter((e) => !chosen || chosen.capabilities.reasoning_efforts.includes(e)).map(
                (e) => (
                  <option value={e}>{e}</option>
                ),
              )}
            </select>
          </label>
          <label>
            Tools (a JSON array)
            <textarea
              rows={3}
              value={settings.tools}
              onInput={update('tools')}
              placeholder='[{"type":"function","name":"get_weather","parameters":{...}}]'
            />
          </label>
          <label>
            Structured output (a JSON schema)
            <textarea
              rows={3}
              value={settings.schema}
              onInput={update('schema')}
              placeholder='{"type":"object","properties":{...}}'
            />
          </label>
        </form>
        <div class="conversation">
          <ol class="turns" aria-live="polite">
            {turns.map((turn, n) => (
              <li key={n} class="turn">
                <p class="user">{turn.input || <span class="muted">(the prompt alone)</span>}</p>
                <div class="assistant" data-testid="assistant-output">
                  {turn.output}
                  {turn.calls.map((call) => (
                    <code class="call">{call}</code>
                  ))}
                </div>
                <p class="muted turn-meta">
                  {turn.status}
                  {turn.responseId ? ` · ${turn.responseId}` : ''}
                  {turn.usage ? ` · ${turn.usage}` : ''}
                </p>
                {turn.error ? <p class="error">{turn.error}</p> : null}
                {showEvents ? (
                  <pre class="json events" tabIndex={0} aria-label="Raw events">
                    {turn.events.map((e) => JSON.stringify(e)).join('\n')}
                  </pre>
                ) : null}
              </li>
            ))}
          </ol>
          <form class="composer" onSubmit={send}>
            <label for="message" class="visually-hidden">
              Message
            </label>
            <textarea
              id="message"
              rows={3}
              value={message}
              placeholder={
                prompt ? 'Input after the prompt’s messages (optional)' : 'Say something… (Ctrl+Enter sends)'
              }
              onInput={(e) => setMessage(e.currentTarget.value)}
              onKeyDown={(e) => e.key === 'Enter' && (e.ctrlKey || e.metaKey) && send(e)}
            />
            {busy ? (
              <button type="button" onClick={() => running.current?.abort()}>
                Stop
              </button>
            ) : (
              <button type="submit" disabled={!model && !promptModel}>
                Send
              </button>
            )}
          </form>
        </div>
      </div>
    </section>
  );
}
