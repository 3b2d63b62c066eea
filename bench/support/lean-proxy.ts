/**
 * A floor for a gateway that stores what it proxies: the least a non-streaming Responses hop
 * with Portico's duties can do, for the bench to measure beside Portico. It checks the key
 * against its hash held in memory, parses the body and checks `model` and `input`, asks the
 * upstream with undici's pooled `request`, answers with a response of Portico's shape under an
 * id of its own, and stores that response and its input item (acknowledged once durable) and a
 * log with both bodies (off the answer's path, in batches), in tables like Portico's (fewer
 * columns), through Portico's own group commit. It does none of the rest: no schema for the
 * whole request, no engine, no gateway layers (limits, cache, retries), no streaming. Run as
 * its own process:
 *   node --import tsx bench/support/lean-proxy.ts <upstream URL ending in /v1> <data folder> <key>
 */
import { createServer, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { request } from 'undici';
import type { CreateResponseRequest } from '../../src/api/request.ts';
import { outputText, type OutputItem, type ResponseObject } from '../../src/api/response.ts';
import { randomId } from '../../src/engine/ids.ts';
import { initialResponse } from '../../src/engine/initial-response.ts';
import { bearerToken, hashApiKey } from '../../src/gateway/api-keys.ts';
import { DATABASE_FILE, openSqliteDatabase } from '../../src/store/sqlite-connection.ts';
import { SqliteGroupCommit, walFile } from '../../src/store/sqlite-group-commit.ts';

const [upstreamUrl = '', dataDir = '', key = ''] = process.argv.slice(2);
const LOG_FLUSH_MS = 50;
const keyHash = hashApiKey(key);

const db = openSqliteDatabase(dataDir);
db.exec(`
  CREATE TABLE IF NOT EXISTS responses (id TEXT PRIMARY KEY, owner TEXT NOT NULL, status TEXT NOT NULL,
    created_at INTEGER NOT NULL, response_json TEXT NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS items (response_id TEXT NOT NULL, position INTEGER NOT NULL,
    item_json TEXT NOT NULL, PRIMARY KEY (response_id, position)) STRICT;
  CREATE TABLE IF NOT EXISTS logs (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, project TEXT NOT NULL,
    model TEXT, tokens_in INTEGER NOT NULL, tokens_out INTEGER NOT NULL, duration_ms INTEGER NOT NULL,
    entry_json TEXT NOT NULL) STRICT;
  CREATE INDEX IF NOT EXISTS logs_by_time ON logs (created_at, id);
  CREATE INDEX IF NOT EXISTS logs_by_project ON logs (project, created_at, id);
  CREATE TABLE IF NOT EXISTS log_bodies (log_id TEXT PRIMARY KEY, bodies_json TEXT NOT NULL) STRICT;
`);
const insertResponse = db.prepare('INSERT INTO responses VALUES (?, ?, ?, ?, ?)');
const insertItem = db.prepare('INSERT INTO items VALUES (?, ?, ?)');
const insertLog = db.prepare('INSERT INTO logs VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
const insertBodies = db.prepare('INSERT INTO log_bodies VALUES (?, ?)');
const commits = new SqliteGroupCommit(db, walFile(join(dataDir, DATABASE_FILE)));

interface Log {
  id: string;
  at: number;
  model: string;
  tokensIn: number;
  tokensOut: number;
  durationMs: number;
  entry: string;
  bodies: string;
}
let logs: Log[] = [];
setInterval(() => {
  if (logs.length === 0) return;
  const batch = logs;
  logs = [];
  void commits.write(() => {
    for (const log of batch) {
      insertLog.run(
        log.id,
        log.at,
        'default',
        log.model,
        log.tokensIn,
        log.tokensOut,
        log.durationMs,
        log.entry,
      );
      insertBodies.run(log.id, log.bodies);
    }
  });
}, LOG_FLUSH_MS).unref();

interface UpstreamAnswer {
  created_at: number;
  status: ResponseObject['status'];
  output: OutputItem[];
  usage: NonNullable<ResponseObject['usage']>;
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function reject(res: ServerResponse, status: number, message: string, param: string | null): void {
  send(res, status, JSON.stringify({ error: { message, type: 'invalid_request_error', param, code: null } }));
}

async function answer(res: ServerResponse, body: string, startedAt: number): Promise<void> {
  let asked: { model?: unknown; input?: unknown };
  try {
    asked = JSON.parse(body) as typeof asked;
  } catch {
    return reject(res, 400, 'The body is not JSON.', null);
  }
  const { model, input } = asked;
  if (typeof model !== 'string') return reject(res, 400, 'model must be a string.', 'model');
  if (typeof input !== 'string') return reject(res, 400, 'input must be a string.', 'input');
  const reply = await request(`${upstreamUrl}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench-key-not-secret' },
    body: JSON.stringify({ model: 'fast', input, store: false, stream: false }),
  });
  const upstream = (await reply.body.json()) as UpstreamAnswer;
  // Portico's own response object, its settings those of a request with only `model` and `input`.
  const response: ResponseObject = {
    ...initialResponse(randomId('resp'), upstream.created_at, model, {
      model,
      input,
    } as CreateResponseRequest),
    status: upstream.status,
    completed_at: upstream.created_at,
    output: upstream.output,
    usage: upstream.usage,
    output_text: outputText(upstream.output),
  };
  const text = JSON.stringify(response);
  const item = {
    type: 'message',
    id: randomId('msg'),
    role: 'user',
    content: [{ type: 'input_text', text: input }],
  };
  await commits.write(() => {
    insertResponse.run(response.id, 'default', response.status, response.created_at, text);
    insertItem.run(response.id, 0, JSON.stringify(item));
  });
  const durationMs = Date.now() - startedAt;
  const logId = randomId('log');
  logs.push({
    id: logId,
    at: startedAt,
    model,
    tokensIn: upstream.usage.input_tokens,
    tokensOut: upstream.usage.output_tokens,
    durationMs,
    entry: JSON.stringify({
      id: logId,
      object: 'gateway.log',
      gateway: 'default',
      project: 'default',
      provider: 'fast',
      model,
      path: '/v1/responses',
      stream: false,
      status_code: 200,
      success: true,
      response_id: response.id,
      usage: upstream.usage,
      duration_ms: durationMs,
      request_size: body.length,
      response_size: text.length,
    }),
    bodies: JSON.stringify({ requestBody: asked, responseBody: response }),
  });
  send(res, 200, text);
}

const server = createServer((req, res) => {
  const startedAt = Date.now();
  const token = bearerToken(req.headers.authorization);
  if (token === undefined || hashApiKey(token) !== keyHash)
    return reject(res, 401, 'The key is missing or wrong.', null);
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    answer(res, body, startedAt).catch(() => {
      if (!res.headersSent) send(res, 502, '{"error":{"message":"upstream failed","type":"upstream_error"}}');
    });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`listening on http://127.0.0.1:${port}/v1`);
});
