import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { cloneJson } from '../src/engine/clone-json.ts';
import { withFields } from '../src/with-fields.ts';

test('withFields is a spread of base then fields: same keys, same order, fields win', () => {
  const base = { id: 'resp_1', status: 'in_progress', usage: null };
  const added = withFields(base, { status: 'completed', output_text: 'hi' });
  assert.deepEqual(Object.entries(added), [
    ['id', 'resp_1'],
    ['status', 'completed'],
    ['usage', null],
    ['output_text', 'hi'],
  ]);
  assert.deepEqual(base, { id: 'resp_1', status: 'in_progress', usage: null });
  assert.deepEqual(withFields({}, { leave: 1 }), { leave: 1 });
  assert.deepEqual(withFields({ a: 1 }, {}), { a: 1 });
});

test("withFields' copies share V8's hidden class (a spread that adds a key gets one per copy in Node 20)", () => {
  // Run apart: %HaveSameMap needs --allow-natives-syntax.
  const script = `
    const { withFields } = await import(${JSON.stringify(new URL('../src/with-fields.ts', import.meta.url).href)});
    const make = () => ({ id: 'x', status: 'a', output: [] });
    const shaped = (base) => withFields(base, { output_text: 'y' });
    for (let i = 0; i < 2000; i++) shaped(make());
    console.log(%HaveSameMap(shaped(make()), shaped(make())));
  `;
  const out = execFileSync(
    process.execPath,
    ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  assert.equal(out.trim(), 'true');
});

test('cloneJson copies JSON data deeply and keeps an own __proto__ as a key', () => {
  const value = JSON.parse('{"a":[1,{"b":null}],"s":"t","__proto__":{"polluted":true}}') as Record<
    string,
    unknown
  >;
  const copy = cloneJson(value);
  assert.deepEqual(JSON.stringify(copy), JSON.stringify(value));
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.equal((copy as { polluted?: boolean }).polluted, undefined);
  (copy.a as unknown[]).push(2);
  ((copy.a as unknown[])[1] as Record<string, unknown>).b = 1;
  assert.deepEqual(value.a, [1, { b: null }]);
  assert.deepEqual(cloneJson([]), []);
  assert.equal(cloneJson(null), null);
});
