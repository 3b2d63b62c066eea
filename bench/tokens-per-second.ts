/**
 * Tokens per second through Portico over HTTP against node-llama-cpp called directly, on the
 * same model, prompt and settings, measured in one run and printed as a ratio.
 *
 *   npm run bench [-- --model PATH.gguf --tokens 400 --rounds 15 --warmup 3]
 *
 * Portico runs as a child process (`portico serve`, the built command with the node flags its
 * workers get, bench/support/portico-command.ts; `npm run build` after changing the sources),
 * so the HTTP client here does not share its event loop; the direct baseline runs in this
 * process while the server is idle. Both first serve `--warmup` requests unmeasured: the server's
 * first requests run while V8 still compiles its hot code (measured: 0.7-0.8 of direct over the
 * first rounds, ~0.93 after). Rounds alternate between the two, each first in every other
 * round, so that machine noise hits both alike; each round's ratio pairs two neighbouring runs,
 * and the median of those ratios is reported with its quartiles, since one run can be 20% off
 * its neighbours on a busy machine.
 */
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getLlama, LlamaChat, resolveChatWrapper, LlamaLogLevel } from 'node-llama-cpp';
import { spawnServe } from '../test/support/spawn-serve.ts';
import { ensureBuilt } from './support/bench-setup.ts';
import { median, quantile } from './support/stats.ts';
import { porticoCommand } from './support/portico-command.ts';
import { defaultThreadCount } from '../src/providers/local/default-thread-count.ts';

const { values } = parseArgs({
  options: {
    model: {
      type: 'string',
      default: fileURLToPath(new URL('../../shared/models/stories260K.gguf', import.meta.url)),
    },
    tokens: { type: 'string', default: '400' },
    rounds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    prompt: { type: 'string', default: 'Once upon a time' },
  },
});
const maxTokens = Number(values.tokens);
// The installed command, as users run it: the compiled bundle (built here if missing).
const bin = fileURLToPath(new URL('../bin/portico.js', import.meta.url));
ensureBuilt(fileURLToPath(new URL('..', import.meta.url)));
const rounds = Number(values.rounds);
const modelPath = values.model;
const modelId = `local/${basename(modelPath, '.gguf')}`;

interface Sample {
  tokens: number;
  seconds: number;
}

const rate = (s: Sample) => s.tokens / s.seconds;

async function startPortico(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-bench-'));
  const server = await spawnServe(
    ['--data-dir', dataDir, '--models-dir', join(modelPath, '..')],
    { ...process.env, OPENAI_API_KEY: '' },
    porticoCommand(bin),
  );
  return {
    url: server.url,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One streamed response over HTTP; output tokens as Portico's usage reports them. node:http
 * keeps the client's own cost per event small: on two cores it shares the machine with the
 * server and the model.
 */
function throughPortico(url: string): Promise<Sample> {
  const body = JSON.stringify({
    model: modelId,
    input: values.prompt,
    max_output_tokens: maxTokens,
    temperature: 0,
    stream: true,
    store: false,
  });
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v1/responses`,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        // Kept whole, joined once: the terminal event carries the whole answer, longer than any fixed tail.
        const chunks: string[] = [];
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => chunks.push(chunk));
        res.on('end', () => {
          const seconds = (performance.now() - started) / 1000;
          const terminal = chunks.join('').trimEnd().split('\n').at(-1)!.slice('data: '.length);
          const usage = (JSON.parse(terminal) as { response: { usage: { output_tokens: number } } }).response
            .usage;
          resolve({ tokens: usage.output_tokens, seconds });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const threads = defaultThreadCount(availableParallelism(), availableParallelism());
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({
    sequences: 1,
    threads,
    contextSize: { max: Math.min(model.trainContextSize, 8192) },
  });
  const chat = new LlamaChat({
    contextSequence: context.getSequence(),
    chatWrapper: resolveChatWrapper(model),
  });

  /** The same request, node-llama-cpp alone: a fresh sequence, greedy, streamed chunks. */
  async function direct(): Promise<Sample> {
    await chat.sequence.clearHistory();
    const before = chat.sequence.tokenMeter.usedOutputTokens;
    const started = performance.now();
    let chunks = '';
    await chat.generateResponse([{ type: 'user', text: values.prompt }], {
      maxTokens,
      temperature: 0,
      onTextChunk: (text) => (chunks += text),
    });
    const seconds = (performance.now() - started) / 1000;
    return { tokens: chat.sequence.tokenMeter.usedOutputTokens - before, seconds };
  }

  const portico = await startPortico();
  try {
    // The first loads the model in the server.
    for (let i = 0; i < Number(values.warmup); i++) {
      await direct();
      await throughPortico(portico.url);
    }
    const directRates: number[] = [];
    const porticoRates: number[] = [];
    const ratios: number[] = [];
    let tokens = 0;
    for (let round = 0; round < rounds; round++) {
      // Each goes first in every other round: neither always follows the other's work.
      const portico1st = round % 2 === 1;
      const p0 = portico1st ? await throughPortico(portico.url) : undefined;
      const d = await direct();
      const p = p0 ?? (await throughPortico(portico.url));
      directRates.push(rate(d));
      porticoRates.push(rate(p));
      ratios.push(rate(p) / rate(d));
      tokens = p.tokens;
    }
    const d = median(directRates);
    const p = median(porticoRates);
    const [q1, q2, q3] = [0.25, 0.5, 0.75].map((q) => quantile(ratios, q).toFixed(3)) as [
      string,
      string,
      string,
    ];
    console.log(
      `model ${modelId}, ${tokens} output tokens per request, ${threads} thread(s), ` +
        `${values.warmup} warm-up and ${rounds} measured rounds (medians)`,
    );
    console.log(`node-llama-cpp direct        ${d.toFixed(0).padStart(7)} tokens/s`);
    console.log(`Portico over HTTP (SSE)      ${p.toFixed(0).padStart(7)} tokens/s`);
    console.log(
      `ratio Portico / direct       ${q2.padStart(7)}   (per round; quartiles ${q1}-${q3}; target 0.95 or better)`,
    );
  } finally {
    await portico.stop();
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  }
}

await main();
