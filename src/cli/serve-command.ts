import { jsonLogger } from '../logger.ts';
import { startServer } from '../server/start-server.ts';
import type { CliValues } from './main.ts';
import { runtimeOptions } from './runtime-options.ts';

/** What a fresh install says, once, when it has nothing to serve. */
const NO_MODEL = `No model to serve yet. Get one and restart:
  npx portico pull hf:ggml-org/models/tinyllamas/stories260K.gguf   (1 MB story model, to try things out)
  npx portico pull hf:OWNER/REPO/FILE.gguf                          (any GGUF model on Hugging Face)
or put .gguf files in ./models, or set OPENAI_API_KEY to serve openai/gpt-5.4-pro.
Models that Ollama or LM Studio already downloaded are served as they are.
`;

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
  const models = server.runtime.catalog.servable();
  process.stderr.write(`Portico listening on ${server.url}/v1\n`);
  process.stderr.write(
    models.length > 0 ? `Models: ${models.map((model) => model.id).join(', ')}\n` : NO_MODEL,
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
