import { jsonLogger } from '../logger.ts';
import { startServer } from '../server/start-server.ts';
import { RUNTIME_OPTIONS, text, type Command } from './command.ts';
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
    'portico serve [--port 8787] [--host 127.0.0.1] [--data-dir DIR] [--models-dir DIR]... [--config FILE]',
  options: { ...RUNTIME_OPTIONS, port: { type: 'string' }, host: { type: 'string' } },
  async run(_positionals, values) {
    const given = text(values, 'port');
    const port = given === undefined ? Number(process.env.PORT ?? 8787) : Number(given);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      process.stderr.write(`--port must be a port number, not '${given}'\n`);
      return 2;
    }
    let server;
    try {
      server = await startServer({
        ...runtimeOptions(values),
        port,
        host: text(values, 'host') ?? process.env.HOST ?? '127.0.0.1',
        logger: jsonLogger(),
      });
    } catch (error) {
      process.stderr.write(`portico: ${(error as Error).message}\n`);
      return 2;
    }
    const models = server.runtime.catalog.servable();
    process.stderr.write(`Portico listening on ${server.url}/v1\n`);
    process.stderr.write(
      models.length > 0 ? `Models: ${models.map((model) => model.id).join(', ')}\n` : NO_MODEL,
    );

    // The first signal shuts down gracefully, a second stops at once. The listeners stay
    // registered: node-llama-cpp, imported at the first local model use, brings signal-exit,
    // which re-raises a signal that no other listener is left to handle.
    let signals = 0;
    const stopped = new Promise<void>((resolve) => {
      const onSignal = () => {
        if (signals++ === 0) resolve();
        else void server.close().then(() => process.exit(1));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
    await stopped;
    const graceMs = Number(process.env.PORTICO_SHUTDOWN_GRACE_MS ?? DEFAULT_GRACE_MS);
    process.stderr.write('Shutting down: finishing running responses...\n');
    await server.shutdown(Number.isFinite(graceMs) && graceMs >= 0 ? graceMs : DEFAULT_GRACE_MS);
    return 0;
  },
};
