import { Agent, request } from 'node:http';

/** `total` POSTs of `body` to `url`, `concurrency` at a time over kept-alive connections; the latencies in ms. */
export async function load(
  url: string,
  body: (i: number) => string,
  total: number,
  concurrency: number,
  headers: Record<string, string> = {},
): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let next = 0;
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const started = performance.now();
      const req = request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } },
        (res) => {
          res.on('data', () => {});
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new Error(`${url}: status ${res.statusCode}`));
            else {
              latencies.push(performance.now() - started);
              resolve();
            }
          });
        },
      );
      req.on('error', reject);
      req.end(body(i));
    });
  const worker = async () => {
    while (next < total) await one(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return latencies;
}
