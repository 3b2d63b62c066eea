import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CreateResponseRequest } from '../src/api/request.ts';
import type { ResponseStreamEvent } from '../src/api/stream-events.ts';
import { jsonText, responseJson } from '../src/api/response-json.ts';
import { initialResponse } from '../src/engine/initial-response.ts';
import { logBodiesJson } from '../src/store/log-rows.ts';
import { encodeSseEvent } from '../src/stream/response-sse.ts';
import type { LogEntry } from '../src/store/log-store.ts';

const request = { model: 'm', input: 'hi' } as CreateResponseRequest;

test("a finished response's JSON is made once; a running one's follows its changes", () => {
  const running = initialResponse('resp_1', 1, 'm', request);
  assert.equal(responseJson(running), JSON.stringify(running));
  running.instructions = 'changed';
  assert.equal(JSON.parse(responseJson(running)).instructions, 'changed');

  const finished = { ...running, status: 'completed' as const };
  const text = responseJson(finished);
  assert.equal(text, JSON.stringify(finished));
  // Nothing changes a finished response; were it changed, the text made first would stay.
  finished.instructions = 'later';
  assert.equal(responseJson(finished), text);
  assert.equal(jsonText(finished), text);
  assert.equal(jsonText({ a: [1] }), '{"a":[1]}');
  assert.equal(jsonText(undefined), 'null');
});

test("a log's bodies are one JSON object, with the finished response's text", () => {
  const response = { ...initialResponse('resp_2', 1, 'm', request), status: 'completed' as const };
  const entry = {
    requestBody: { model: 'm', input: 'hi "there"' },
    responseBody: response,
    timeline: [{ type: 'response.created', at: 1, count: 1 }],
  } as unknown as LogEntry;
  assert.deepEqual(JSON.parse(logBodiesJson(entry)!), {
    requestBody: entry.requestBody,
    responseBody: JSON.parse(JSON.stringify(response)),
    timeline: entry.timeline,
  });
  const none = { requestBody: null, responseBody: null, timeline: null } as unknown as LogEntry;
  assert.equal(logBodiesJson(none), undefined);
});

test("an event's data is JSON.stringify's, and a finished response in it is the text made once", () => {
  const running = initialResponse('resp_3', 1, 'm', request);
  const finished = { ...running, status: 'completed' as const, output_text: 'line\nbreak "quoted"' };
  const events = [
    { type: 'response.created', sequence_number: 0, response: running },
    { type: 'response.completed', sequence_number: 9, response: finished },
    {
      type: 'response.output_text.delta',
      sequence_number: 3,
      item_id: 'msg_1',
      delta: 'x',
      obfuscation: undefined,
    },
  ] as unknown as ResponseStreamEvent[];
  for (const event of events)
    assert.equal(encodeSseEvent(event), `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  // The terminal event made the finished response's text: the record and the log reuse it.
  finished.instructions = 'changed after the event';
  assert.equal(JSON.parse(responseJson(finished)).instructions, null);
});
