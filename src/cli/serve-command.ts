import { jsonLogger } from '../logger.ts';
import { startServer } from '../server/start-server.ts';
import type { CliValues } from './main.ts';
import { runtimeOptions } from './runtime-options.ts';

/** How long running responses may take to finish after SIGTERM before they are stopped. */
const DEFAULT_GRACE_MS = 30_000;

export async function serveCommand(values: CliValues): Promise<number> {
  const port = values.port === undefined ? Number(process.env.PORT ?? 8787) : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a port number, not '${values.port}'\n`);
    return 2;
  }
  const server = await startServer({
    ...runtimeOptions(values),
    port,
    host: values.host ?? process.env.HOST ?? '127.0.0.1',
    logger: jsonLogger(),
  });
  const models = server.runtime.catalog.list();
  process.stderr.write(`Portico listening on ${server.url}/v1\n`);
  process.stderr.write(
    `Models: ${models.map((model) => model.id).join(', ') || '(none: put .gguf files in ./models)'}\n`,
  );

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const graceMs = Number(process.env.PORTICO_SHUTDOWN_GRACE_MS ?? DEFAULT_GRACE_MS);
  process.stderr.write('Shutting down: finishing running responses...\n');
  // A second signal stops at once.
  const now = () => void server.close().then(() => process.exit(1));
  process.once('SIGINT', now);
  process.once('SIGTERM', now);
  await server.shutdown(Number.isFinite(graceMs) && graceMs >= 0 ? graceMs : DEFAULT_GRACE_MS);
  return 0;
}
