import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesPattern } from '../src/gateway/principal.ts';

test("a key's model patterns: `*` is any run of characters, everything else itself", () => {
  const cases: Array<[string, string, boolean]> = [
    ['local/*', 'local/stories260K', true],
    ['local/*', 'openai/gpt-5.4-pro', false],
    ['local/*', 'local/', true],
    ['openai/gpt-4.1*', 'openai/gpt-4.1-mini', true],
    ['openai/gpt-4.1*', 'openai/gpt-4x1', false],
    ['*', '', true],
    ['*-mini', 'openai/gpt-5-mini', true],
    ['*-mini', 'openai/gpt-5-nano', false],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['a*ab*b', 'aabab', true],
    ['a*ab*b', 'aab', false],
    ['x**y', 'xy', true],
    ['(a)*[b]', '(a)z[b]', true],
    ['exact/name', 'exact/name', true],
    ['exact/name', 'exact/name2', false],
  ];
  for (const [pattern, value, expected] of cases)
    assert.equal(matchesPattern(pattern, value), expected, `${pattern} ~ ${value}`);
});

test('a pattern of many stars against a long name answers at once (a regular expression backtracked for ever)', () => {
  const pattern = `${'a*'.repeat(12)}b`;
  assert.equal(matchesPattern(pattern, 'a'.repeat(5000)), false);
  assert.equal(matchesPattern(pattern, `${'a'.repeat(5000)}b`), true);
});
