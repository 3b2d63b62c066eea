/**
 * The transport's own cost, for the local bench: node-llama-cpp behind a bare node:http server
 * that streams each text chunk as an SSE event of the size and shape of Portico's
 * `response.output_text.delta`, and ends with a `response.completed` event that carries the
 * usage. No parsing beyond the body's JSON, no engine, no store. Run as its own process:
 *   node --import tsx bench/support/llama-sse-server.ts <model.gguf> <threads> <gpu: auto|cuda|vulkan|metal|false>
 * It prints its URL once it listens.
 */
import { createServer } from 'node:http';
import { parseGpu } from '../../src/config/local-config.ts';
import { openDirectLlama } from './direct-llama.ts';

const [modelPath = '', threads = '1', gpu = 'false'] = process.argv.slice(2);
const direct = await openDirectLlama(modelPath, Number(threads), parseGpu(gpu) ?? false);
const ITEM_ID = `msg_${'0'.repeat(48)}`;

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    const { input, max_output_tokens } = JSON.parse(body) as { input: string; max_output_tokens: number };
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    let sequence = 0;
    const send = (event: { type: string; [field: string]: unknown }) =>
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    void direct
      .generate(input, max_output_tokens, (delta) =>
        send({
          type: 'response.output_text.delta',
          sequence_number: sequence++,
          item_id: ITEM_ID,
          output_index: 0,
          content_index: 0,
          delta,
          logprobs: [],
        }),
      )
      .then((outputTokens) => {
        send({
          type: 'response.completed',
          sequence_number: sequence++,
          response: { usage: { output_tokens: outputTokens } },
        });
        res.end();
      });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
});
