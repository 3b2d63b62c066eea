import { jsonLogger } from '../logger.ts';
import { startServer } from '../server/start-server.ts';
import type { CliValues } from './main.ts';
import { runtimeOptions } from './runtime-options.ts';

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
  process.stderr.write('Shutting down...\n');
  await server.close();
  return 0;
}
