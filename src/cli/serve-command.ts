import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { jsonLogger } from '../logger.ts';
import type { RuntimeOptions } from '../runtime.ts';
import { PrimaryConversationLocks } from '../workers/primary-conversation-locks.ts';
import { PrimaryInterpreters } from '../workers/primary-interpreters.ts';
import { PrimaryLink, type WorkerPort } from '../workers/primary-link.ts';
import { PrimaryLocalProvider } from '../workers/primary-local-provider.ts';
import { PrimaryRateLimiter } from '../workers/primary-rate-limiter.ts';
import { runPrimary, type PrimaryConfig } from '../workers/run-primary.ts';
import { fail, RUNTIME_OPTIONS, text, UsageError, type Command, type Values } from './command.ts';
import { runtimeOptions } from './runtime-options.ts';

/** How long running responses may take to finish after SIGTERM before they are stopped. */
const DEFAULT_GRACE_MS = 30_000;

/** What a fresh install says, once, when it has nothing to serve. */
const NO_MODEL = `No model to serve yet. Get one and restart:
  npx portico pull hf:ggml-org/models/tinyllamas/stories260K.gguf   (1 MB story model, to try things out)
  npx portico pull hf:OWNER/REPO/FILE.gguf                          (any GGUF model on Hugging Face)
or put .gguf files in ./models, or set OPENAI_API_KEY to serve openai/gpt-5.4-pro.
Models that Ollama or LM Studio already downloaded are served as they are.
`;

export const serveCommand: Command = {
  summary:
    'Serves the OpenAI-compatible API, Workers AI and AI Gateway routes. Beyond loopback it needs an admin key first.',
  usage:
    'portico serve [--port 8787] [--host 127.0.0.1] [--workers N] [--data-dir DIR] [--models-dir DIR]... [--config FILE]',
  maxArguments: 0,
  options: {
    ...RUNTIME_OPTIONS,
    port: { type: 'string' },
    host: { type: 'string' },
    workers: { type: 'string' },
  },
  async run(_positionals, values) {
    const given = text(values, 'port');
    const raw = given ?? process.env.PORT ?? '8787';
    const port = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`${given === undefined ? 'PORT' : '--port'} must be a port number, not '${raw}'`);
    const workersGiven = text(values, 'workers');
    const workers = workersGiven === undefined ? availableParallelism() : Number(workersGiven);
    if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS)
      throw new UsageError(
        `--workers must be a whole number from 1 to ${MAX_WORKERS}, not '${workersGiven}'`,
      );
    if (cluster.isPrimary && workers > 1) {
      return runPrimary({
        workers,
        config: primaryConfig(values),
        logger: jsonLogger(),
        onListening: (url, models) => announce(url, models, workers),
        onStopping: () => process.stderr.write(SHUTTING_DOWN),
      });
    }
    if (!cluster.isWorker) return serve(port, values, undefined);
    try {
      return await serve(port, values, new PrimaryLink(process as unknown as WorkerPort));
    } finally {
      // The IPC channel would keep a finished worker alive.
      process.disconnect?.();
    }
  },
};

const SHUTTING_DOWN = 'Shutting down: finishing running responses...\n';

/** The most processes `--workers` starts. */
const MAX_WORKERS = 256;

function announce(url: string, models: string[], workers: number): void {
  process.stderr.write(`Portico listening on ${url}/v1${workers > 1 ? ` (${workers} workers)` : ''}\n`);
  process.stderr.write(`Dashboard: ${url}/\n`);
  process.stderr.write(models.length > 0 ? `Models: ${models.join(', ')}\n` : NO_MODEL);
}

/**
 * The config's settings for the primary, which runs the local models and the code
 * interpreter: read while the first worker starts (a worker reads the whole config, and says
 * what is wrong with it). Imported here: the primary needs nothing else of the config.
 */
async function primaryConfig(values: Values): Promise<PrimaryConfig> {
  const { loadConfig } = await import('../config/load-config.ts');
  const { configPath } = runtimeOptions(values);
  const config = await loadConfig({ ...(configPath ? { path: configPath } : {}), env: process.env });
  return { local: config.local, codeInterpreter: config.tools.codeInterpreter };
}

/**
 * A worker's rate limits, conversation locks, local models and code interpreters are the
 * primary's (unless Redis holds the counters), and its `/metrics` reads every worker's.
 */
function fromPrimary(link: PrimaryLink): Partial<RuntimeOptions> {
  return {
    providers: new Map([['local', new PrimaryLocalProvider(link)]]),
    interpreters: new PrimaryInterpreters(link),
    conversationLocks: new PrimaryConversationLocks(link),
    metricsSnapshots: async () => (await link.ask({ kind: 'metrics' }, 'metrics')).snapshots,
    ...(process.env.PORTICO_REDIS_URL?.trim() ? {} : { rateLimiter: new PrimaryRateLimiter(link) }),
  };
}

/** One process serving HTTP until a signal; as a worker, it reports to the primary instead of the terminal. */
async function serve(port: number, values: Values, link: PrimaryLink | undefined): Promise<number> {
  // Loaded here, not at start: the primary of `--workers N` never serves HTTP itself.
  const { startServer } = await import('../server/start-server.ts');
  let server;
  try {
    server = await startServer({
      ...runtimeOptions(values),
      ...(link ? fromPrimary(link) : {}),
      port,
      host: text(values, 'host') ?? process.env.HOST ?? '127.0.0.1',
      logger: jsonLogger(),
    });
  } catch (error) {
    // A config that does not load, a host refused without an admin key, a port taken.
    return fail(error);
  }
  const models = server.runtime.catalog.servable().map((model) => model.id);
  if (link) {
    const { metrics } = server.runtime.gateway;
    link.answerMetrics(() => metrics.snapshot());
    link.send({ kind: 'listening', url: server.url, models });
  } else announce(server.url, models, 1);

  // The first signal shuts down gracefully, a second stops at once. The listeners stay
  // registered: node-llama-cpp, imported at the first local model use, brings signal-exit,
  // which re-raises a signal that no other listener is left to handle. A worker takes its
  // signals from the primary only (a terminal's Ctrl-C reaches the whole process group).
  let signals = 0;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = () => {
      if (signals++ === 0) resolve();
      else void server.close().then(() => process.exit(1));
    };
    process.on('SIGINT', link ? () => {} : onSignal);
    process.on('SIGTERM', onSignal);
  });
  await stopped;
  const graceMs = Number(process.env.PORTICO_SHUTDOWN_GRACE_MS ?? DEFAULT_GRACE_MS);
  if (!link) process.stderr.write(SHUTTING_DOWN);
  await server.shutdown(Number.isFinite(graceMs) && graceMs >= 0 ? graceMs : DEFAULT_GRACE_MS);
  return 0;
}
