import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  cachedValidatorCount,
  MAX_CACHED_VALIDATORS,
  schemaValidator,
} from '../src/engine/schema-validators.ts';
import { ScriptedProvider, textEvents } from './support/scripted-provider.ts';
import { call, finish, fn, run, useEngineStore, weather, type Setup } from './support/tools-engine.ts';

// Strict outputs: a model's calls and text checked against their schemas, and the validators' cache.
useEngineStore();

describe('strict output checks', () => {
  const format = (strict: boolean) => ({
    format: { type: 'json_schema', name: 'weather_report', strict, schema: weather },
  });

  test('text that matches the strict schema completes', async () => {
    const { response } = await run(new ScriptedProvider(() => textEvents('{"city": "Oslo", "unit": null}')), {
      text: format(true),
    });
    assert.equal(response.status, 'completed');
  });

  test('text that breaks the strict schema fails the response, naming schema, path and rule, output kept', async () => {
    const logged: NonNullable<Setup['logged']> = [];
    const { response } = await run(
      new ScriptedProvider(() => textEvents('{"city": "Oslo", "unit": "kelvin"}')),
      { text: format(true) },
      { logged },
    );
    assert.equal(response.status, 'failed');
    const error = response.error as { code: string; message: string };
    assert.equal(error.code, 'server_error');
    assert.match(error.message, /strict JSON schema 'weather_report': at \$\.unit: .* \(enum\)/);
    const output = response.output as Array<{ type: string; status: string }>;
    assert.deepEqual(
      output.map((item) => [item.type, item.status]),
      [['message', 'completed']],
    );
    assert.equal(response.output_text, '{"city": "Oslo", "unit": "kelvin"}');
    assert.ok(logged.some((entry) => entry.message === 'model output broke a strict schema'));
  });

  test('text that is not JSON, or misses a property, fails with what broke', async () => {
    const notJson = await run(new ScriptedProvider(() => textEvents('Oslo, sunny')), { text: format(true) });
    assert.match((notJson.response.error as { message: string }).message, /it is not valid JSON/);
    const missing = await run(new ScriptedProvider(() => textEvents('{"city": "Oslo"}')), {
      text: format(true),
    });
    assert.match(
      (missing.response.error as { message: string }).message,
      /at \$\.unit: is required but missing \(required\)/,
    );
  });

  test('without strict, a refusal, or a cut-off answer, nothing is checked', async () => {
    const loose = await run(new ScriptedProvider(() => textEvents('not json')), { text: format(false) });
    assert.equal(loose.response.status, 'completed');
    const refusal = await run(
      new ScriptedProvider(() => [{ type: 'refusal-delta', delta: 'I cannot help with that.' }, ...finish()]),
      { text: format(true) },
    );
    assert.equal(refusal.response.status, 'completed');
    const cut = await run(
      new ScriptedProvider(() => [{ type: 'text-delta', delta: '{"city": "Os' }, ...finish('length')]),
      { text: format(true) },
    );
    assert.equal(cut.response.status, 'incomplete');
  });

  test('arguments of a strict function that break its schema fail the response; non-strict ones pass', async () => {
    const events = [...call('call_9', 'get_weather', '{"city": 7, "unit": "c"}'), ...finish('tool-calls')];
    const strict = await run(new ScriptedProvider(() => events), { tools: [fn('get_weather', weather)] });
    assert.equal(strict.response.status, 'failed');
    assert.match(
      (strict.response.error as { message: string }).message,
      /strict function 'get_weather' \(call call_9\) do not match its parameters: at \$\.city: must be string \(type\)/,
    );
    assert.equal((strict.response.output as Array<{ status: string }>)[0]!.status, 'completed');
    const loose = await run(new ScriptedProvider(() => events), {
      tools: [fn('get_weather', weather, false)],
    });
    assert.equal(loose.response.status, 'completed');
  });

  test('a call without arguments to a strict function taking none passes', async () => {
    const events = [
      { type: 'tool-call-start', callId: 'call_0', name: 'now', kind: 'function' } as const,
      { type: 'tool-call-end', callId: 'call_0' } as const,
      ...finish('tool-calls'),
    ];
    const { response } = await run(new ScriptedProvider(() => events), { tools: [fn('now')] });
    assert.equal(response.status, 'completed');
  });

  test('string formats are checked: a date that is not a date fails', async () => {
    const schema = {
      type: 'object',
      properties: { day: { type: 'string', format: 'date' }, id: { type: 'string', format: 'uuid' } },
      required: ['day', 'id'],
      additionalProperties: false,
    };
    const body = { text: { format: { type: 'json_schema', name: 'day', strict: true, schema } } };
    const ok = await run(
      new ScriptedProvider(() =>
        textEvents('{"day": "2026-03-05", "id": "0f8b1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4"}'),
      ),
      body,
    );
    assert.equal(ok.response.status, 'completed');
    const bad = await run(
      new ScriptedProvider(() =>
        textEvents('{"day": "March 5th", "id": "0f8b1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4"}'),
      ),
      body,
    );
    assert.match((bad.response.error as { message: string }).message, /at \$\.day: must match format "date"/);
  });

  test("a pattern that backtracks for ever on V8's engine checks a model's text at once", async () => {
    const schema = {
      type: 'object',
      properties: { code: { type: 'string', pattern: '^(a+)+$' } },
      required: ['code'],
      additionalProperties: false,
    };
    const body = { text: { format: { type: 'json_schema', name: 'code', strict: true, schema } } };
    // 40 characters: V8's backtracking would try some 2^40 ways before saying no.
    const { response } = await run(
      new ScriptedProvider(() => textEvents(`{"code": "${'a'.repeat(40)}!"}`)),
      body,
    );
    assert.equal(response.status, 'failed');
    assert.match((response.error as { message: string }).message, /at \$\.code: must match pattern/);
    const ok = await run(new ScriptedProvider(() => textEvents(`{"code": "${'a'.repeat(40)}"}`)), body);
    assert.equal(ok.response.status, 'completed');
  });
});

describe('schema validators', () => {
  test('compiled validators are cached by content and bounded', () => {
    const schema = (n: number) => ({
      type: 'object',
      properties: { n: { const: n } },
      required: ['n'],
      additionalProperties: false,
    });
    assert.equal(schemaValidator(schema(0)), schemaValidator(structuredClone(schema(0))));
    for (let n = 0; n < MAX_CACHED_VALIDATORS + 50; n++) assert.ok(schemaValidator(schema(n))({ n }));
    assert.equal(cachedValidatorCount(), MAX_CACHED_VALIDATORS);
    // An evicted schema compiles again and still checks.
    assert.equal(schemaValidator(schema(0))({ n: 1 }), false);
  });

  test("patterns keep JSON Schema's meaning: found anywhere unless anchored, Unicode classes, JavaScript's escapes", () => {
    const matches = (pattern: string, text: string) => schemaValidator({ type: 'string', pattern })(text);
    assert.equal(matches('[0-9]{3}', 'ab123cd'), true);
    assert.equal(matches('^[0-9]{3}$', 'ab123cd'), false);
    assert.equal(matches('^\\p{L}+$', 'été'), true);
    assert.equal(matches('^\\p{L}+$', 'été1'), false);
    // JavaScript's syntax, which RE2 writes otherwise, reads as JavaScript reads it.
    assert.equal(matches('^[\\u00c0-\\u017f]+$', 'éŁ'), true);
    assert.equal(matches('^[\\u00c0-\\u017f]+$', 'e'), false);
    assert.equal(matches('^\\u{1F600}$', '😀'), true);
    assert.equal(matches('^[^]{2}$', 'a\n'), true);
    // The escapes reach RE2 too: this pattern backtracked for ever on V8's engine.
    assert.equal(matches('^(\\u0061+)+$', `${'a'.repeat(40)}!`), false);
    // What only a backtracking engine runs is no pattern of a strict schema (strict-schema-rules.ts).
    for (const pattern of ['^(?=.*[0-9])[a-z0-9]+$', '^(a)\\1$', '(?<x>a)\\k<x>', 'a(?<!b)'])
      assert.throws(() => schemaValidator({ type: 'string', pattern }), /uses a (lookaround|backreference)/);
    assert.equal(
      schemaValidator({ type: 'object', patternProperties: { '^x-': { type: 'number' } } })({ 'x-a': 'no' }),
      false,
    );
  });
});
