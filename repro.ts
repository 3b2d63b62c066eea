import { startServer } from './src/server/start-server.ts';
const s = await startServer({ port: 0, modelsDirs: ['../shared/models'], env: {}, dataDir: '/tmp/repro-data' });
const post = async (body: unknown) => { const t = performance.now(); const r = await fetch(s.url + '/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }); const text = JSON.parse(await r.text()); return [r.status, Math.round(performance.now() - t), text.usage?.output_tokens, text.status]; };
await post({ model: 'local/stories260K', input: 'hi', max_output_tokens: 3 });
console.log('plain alone', await post({ model: 'local/stories260K', input: 'hi', max_output_tokens: 50, temperature: 0 }));
const e = { type: 'object', properties: { a: { type: 'string', enum: Array.from({ length: 1000 }, (_, i) => 'value number ' + i) } }, required: ['a'], additionalProperties: false };
const props = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => ['p' + i, { type: 'integer' }]));
const p = { type: 'object', properties: props, required: Object.keys(props), additionalProperties: false };
for (const [name, schema] of [['enum', e], ['props', p]] as const) {
  const heavy = post({ model: 'local/stories260K', input: 'hi', text: { format: { type: 'json_schema', name: 'x', schema } }, max_output_tokens: 1500 });
  await new Promise((r) => setTimeout(r, 100));
  console.log('plain during', name, await post({ model: 'local/stories260K', input: 'hi', max_output_tokens: 50, temperature: 0 }));
  console.log('heavy', name, await heavy);
}
await s.close();
