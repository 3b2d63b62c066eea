/**
 * The baseline start: a bare node:http server that answers `GET /v1/models` with a fixed list
 * and says where it listens as `portico serve` does. Plain JavaScript, run by node as Portico's
 * built command is (no TypeScript loader), so the two starts compare like with like:
 *   node bench/support/bare-start-server.mjs
 */
import { createServer } from 'node:http';

const models = JSON.stringify({
  object: 'list',
  data: [{ id: 'fast/model', object: 'model', owned_by: 'bench' }],
});
const server = createServer((request, answer) => {
  answer.writeHead(request.url === '/v1/models' ? 200 : 404, { 'content-type': 'application/json' });
  answer.end(models);
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}/v1`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('SIGINT', () => server.close(() => process.exit(0)));
