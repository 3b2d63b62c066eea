/**
 * Tokens per second through Portico over HTTP against node-llama-cpp called directly, on the
 * same model, prompt and settings, measured in one run and printed as a ratio; and against
 * node-llama-cpp behind a bare node:http SSE server (bench/support/llama-sse-server.ts), which
 * shows what streaming over HTTP to a second process costs by itself on this machine.
 *
 *   npm run bench [-- --model PATH.gguf --tokens 400 --rounds 15 --warmup 3 --threads N --gpu false]
 *
 * `--threads` and `--gpu` (auto, cuda, vulkan, metal or false) set all three alike; by default
 * the threads Portico picks (one less than the cores) and the CPU.
 *
 * Portico runs as a child process (`portico serve`, the built command with the node flags its
 * workers get, bench/support/portico-command.ts; `npm run build` after changing the sources),
 * so the HTTP client here does not share its event loop; the direct baseline runs in this
 * process while the servers are idle. Each first serves `--warmup` requests unmeasured: the
 * server's first requests run while V8 still compiles its hot code (measured: 0.7-0.8 of direct
 * over the first rounds, ~0.93 after). Each round runs the three once, in an order that turns
 * from round to round, so that machine noise hits all alike; each round's ratios pair
 * neighbouring runs, and the median of those ratios is reported with its quartiles, since one
 * run can be 20% off its neighbours on a busy machine.
 */
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnServe } from '../test/support/spawn-serve.ts';
import { ensureBuilt } from './support/bench-setup.ts';
import { openDirectLlama } from './support/direct-llama.ts';
import { parseGpu } from '../src/config/local-config.ts';
import { startPinned, type PinnedProcess } from './support/pinned-process.ts';
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
    threads: { type: 'string' },
    gpu: { type: 'string', default: 'false' },
  },
});
const maxTokens = Number(values.tokens);
// The installed command, as users run it: the compiled bundle (built here if missing).
const bin = fileURLToPath(new URL('../bin/portico.js', import.meta.url));
ensureBuilt(fileURLToPath(new URL('..', import.meta.url)));
const rounds = Number(values.rounds);
const modelPath = values.model;
const modelId = `local/${basename(modelPath, '.gguf')}`;
const threads = values.threads
  ? Number(values.threads)
  : defaultThreadCount(availableParallelism(), availableParallelism());
const gpuOption = parseGpu(values.gpu);
if (gpuOption === undefined)
  throw new Error(`--gpu must be auto, cuda, vulkan, metal or false, not '${values.gpu}'`);
const gpu = gpuOption;

interface Sample {
  tokens: number;
  seconds: number;
}

const rate = (s: Sample) => s.tokens / s.seconds;

interface Server {
  url: string;
  stop: () => Promise<void>;
}

async function startPortico(): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-bench-'));
  const server = await spawnServe(
    ['--data-dir', dataDir, '--models-dir', join(modelPath, '..')],
    {
      ...process.env,
      OPENAI_API_KEY: '',
      PORTICO_LOCAL_THREADS: String(threads),
      PORTICO_LOCAL_GPU: String(gpu),
    },
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
 * node-llama-cpp behind a bare node:http SSE server, in a process of its own as Portico is, free
 * to run on every core as Portico's is (taskset over all of them).
 */
function startBareServer(): Promise<PinnedProcess> {
  const entry = fileURLToPath(new URL('./support/llama-sse-server.ts', import.meta.url));
  return startPinned(
    `0-${availableParallelism() - 1}`,
    ['--import', 'tsx', entry, modelPath, String(threads), String(gpu)],
    (out) => /^(http:\S+)\n/m.exec(out)?.[1],
  );
}

/**
 * One streamed response over HTTP; output tokens as the server's terminal event reports them.
 * node:http keeps the client's own cost per event small: on two cores it shares the machine
 * with the server and the model.
 */
function streamOverHttp(url: string): Promise<Sample> {
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

/** The median of `ratios` with its quartiles, as `0.950 (quartiles 0.900-0.990)`. */
function spread(ratios: number[]): string {
  const [q1, q2, q3] = [0.25, 0.5, 0.75].map((q) => quantile(ratios, q).toFixed(3));
  return `${q2!.padStart(7)}   (per round; quartiles ${q1}-${q3})`;
}

async function main(): Promise<void> {
  const llama = await openDirectLlama(modelPath, threads, gpu);
  /** The same request, node-llama-cpp alone, in this process: a fresh sequence, greedy, streamed chunks. */
  async function direct(): Promise<Sample> {
    const started = performance.now();
    let chunks = '';
    const tokens = await llama.generate(values.prompt, maxTokens, (text) => (chunks += text));
    return { tokens, seconds: (performance.now() - started) / 1000 };
  }

  const portico = await startPortico();
  const bare = await startBareServer();
  const runs = {
    direct,
    bare: () => streamOverHttp(bare.url),
    portico: () => streamOverHttp(portico.url),
  };
  const names = Object.keys(runs) as Array<keyof typeof runs>;
  try {
    // The first loads the model in the servers.
    for (let i = 0; i < Number(values.warmup); i++) for (const name of names) await runs[name]();
    const rates = { direct: [] as number[], bare: [] as number[], portico: [] as number[] };
    const ratios = { target: [] as number[], ofBare: [] as number[], bareOfDirect: [] as number[] };
    let tokens = 0;
    for (let round = 0; round < rounds; round++) {
      // Each goes first in turn: none always follows another's work.
      const order = names.map((_, i) => names[(i + round) % names.length]!);
      const sample = {} as Record<keyof typeof runs, Sample>;
      for (const name of order) sample[name] = await runs[name]();
      for (const name of names) rates[name].push(rate(sample[name]));
      ratios.target.push(rate(sample.portico) / rate(sample.direct));
      ratios.ofBare.push(rate(sample.portico) / rate(sample.bare));
      ratios.bareOfDirect.push(rate(sample.bare) / rate(sample.direct));
      tokens = sample.portico.tokens;
    }
    console.log(
      `model ${modelId}, ${tokens} output tokens per request, ${threads} thread(s), ${llama.gpu || 'CPU'}, ` +
        `${values.warmup} warm-up and ${rounds} measured rounds (medians)`,
    );
    console.log(`node-llama-cpp direct             ${median(rates.direct).toFixed(0).padStart(7)} tokens/s`);
    console.log(`node-llama-cpp, bare SSE server   ${median(rates.bare).toFixed(0).padStart(7)} tokens/s`);
    console.log(`Portico over HTTP (SSE)           ${median(rates.portico).toFixed(0).padStart(7)} tokens/s`);
    console.log(`ratio Portico / direct            ${spread(ratios.target)}; target 0.95 or better`);
    console.log(
      `ratio bare SSE server / direct    ${spread(ratios.bareOfDirect)}: HTTP to a second process alone`,
    );
    console.log(`ratio Portico / bare SSE server   ${spread(ratios.ofBare)}: Portico's own cost`);
  } finally {
    await portico.stop();
    await bare.stop();
    await llama.dispose();
  }
}

await main();
