import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BUILTIN_DLP_ENTRIES } from '../src/gateway/dlp-detectors.ts';
import { parseLlamaGuardVerdict } from '../src/gateway/llama-guard.ts';
import { SCRIPTED_MODEL, startScriptedPortico, type ScriptedPortico } from './support/scripted-portico.ts';

const CARD = '4111 1111 1111 1111';
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';

describe('built-in DLP profiles', () => {
  const hits = (profile: keyof typeof BUILTIN_DLP_ENTRIES, text: string) =>
    BUILTIN_DLP_ENTRIES[profile].filter((entry) => entry.test(text)).map((entry) => entry.id);

  test('checksums decide: a Luhn-valid card and a mod-97-valid IBAN match, one digit off does not', () => {
    assert.deepEqual(hits('credit_card', `pay with ${CARD} now`), ['credit_card_number']);
    assert.deepEqual(hits('credit_card', 'pay with 4111-1111-1111-1112 now'), []);
    assert.deepEqual(hits('credit_card', 'order 1234567890123456'), []);
    assert.deepEqual(hits('iban', 'to GB82 WEST 1234 5698 7654 32 please'), ['iban']);
    assert.deepEqual(hits('iban', 'to GB82WEST12345698765433 please'), []);
  });

  test('SSNs skip ranges never issued; emails, E.164 phones and well-known secrets match', () => {
    assert.deepEqual(hits('us_ssn', 'SSN 536-22-1234'), ['us_social_security_number']);
    assert.deepEqual(hits('us_ssn', 'SSN 000-22-1234, 666-12-1234, 912-12-1234'), []);
    assert.deepEqual(hits('email', 'write to ada@example.co.uk'), ['email_address']);
    assert.deepEqual(hits('phone', 'call +1 415 555 2671'), ['phone_number']);
    assert.deepEqual(hits('phone', 'version 1.2.3 costs 415'), []);
    const secrets = `${AWS_KEY} -----BEGIN RSA PRIVATE KEY----- sk-proj-abcdefghijklmnopqrstuvwx sk-ant-api03-abcdefghijklmnopqrstu`;
    assert.deepEqual(hits('secrets', secrets), [
      'aws_access_key_id',
      'private_key',
      'openai_api_key',
      'anthropic_api_key',
    ]);
    assert.deepEqual(hits('secrets', 'ask for a task-list of 20 items'), []);
  });
});

test("Llama Guard's verdicts: safe, unsafe with categories (S14 is not evaluated), anything else unreadable", () => {
  assert.deepEqual(parseLlamaGuardVerdict('safe'), []);
  assert.deepEqual(parseLlamaGuardVerdict(' unsafe\nS1,S10 '), ['S1', 'S10']);
  assert.deepEqual(parseLlamaGuardVerdict('unsafe\nS14'), []);
  assert.equal(parseLlamaGuardVerdict('I cannot help with that.'), undefined);
});

describe('DLP and Guardrails settings', () => {
  let scripted: ScriptedPortico;
  let url: string;
  const post = async (path: string, body: unknown, gateway: string) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cf-aig-gateway-id': gateway },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  before(async () => {
    scripted = await startScriptedPortico(() => [{ type: 'message', text: 'Nothing to see.' }]);
    url = scripted.portico.server.url;
  });
  after(() => scripted.stop());

  test('settings are checked when saved: a 400 names the path of what is wrong', async () => {
    const create = (body: Record<string, unknown>) =>
      post('/v1/gateways', { id: 'checked', ...body }, 'default');
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        { dlp: { enabled: true, custom_profiles: [{ id: 'x', entries: [{ id: 'a', pattern: '(' }] }] } },
        'dlp.custom_profiles[0].entries[0].pattern',
      ],
      [
        { dlp: { enabled: true, custom_profiles: [{ id: 'x', entries: [{ id: 'a', pattern: '(?=a)b' }] }] } },
        'dlp.custom_profiles[0].entries[0].pattern',
      ],
      [
        {
          dlp: {
            enabled: true,
            custom_profiles: [{ id: 'x', entries: [{ id: 'a', pattern: 'a'.repeat(1001) }] }],
          },
        },
        'dlp.custom_profiles[0].entries[0].pattern',
      ],
      [
        {
          dlp: {
            enabled: true,
            policies: [{ id: 'p', profiles: ['nope'], action: 'BLOCK', check: ['REQUEST'] }],
          },
        },
        'dlp.policies[0].profiles[0]',
      ],
      [
        {
          dlp: {
            enabled: true,
            policies: [{ id: 'p', profiles: ['email'], action: 'DROP', check: ['REQUEST'] }],
          },
        },
        'dlp.policies[0].action',
      ],
      [{ guardrails: { enabled: true, prompt: { s1: 'STOP' } } }, 'guardrails.prompt.s1'],
      [{ guardrails: { enabled: true, prompt: { p1: 'BLOCK' } } }, 'guardrails.prompt.p1'],
    ];
    for (const [body, param] of cases) {
      const refused = await create(body);
      assert.equal(refused.status, 400, JSON.stringify(body).slice(0, 80));
      assert.equal((refused.json.error as { param: string }).param, param);
    }
    const made = await create({
      dlp: {
        enabled: true,
        policies: [{ id: 'p', profiles: ['email'], action: 'flag', check: ['request'] }],
      },
      guardrails: { enabled: true, response: { s2: 'block' } },
    });
    assert.equal(made.status, 201);
    assert.deepEqual(made.json.dlp, {
      enabled: true,
      policies: [{ id: 'p', enabled: true, profiles: ['email'], action: 'FLAG', check: ['REQUEST'] }],
      custom_profiles: [],
    });
    assert.deepEqual(made.json.guardrails, {
      enabled: true,
      model: '@cf/meta/llama-guard-3-8b',
      prompt_guard_model: null,
      prompt: {},
      response: { s2: 'BLOCK' },
    });
    const cleared = await fetch(`${url}/v1/gateways/checked`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dlp: null }),
    });
    const json = (await cleared.json()) as Record<string, unknown>;
    assert.equal(json.dlp, null);
    assert.notEqual(json.guardrails, null, 'what the update leaves out is kept');
  });

  test("Cloudflare's older DLP form, one action over profiles, is one policy on requests and responses", async () => {
    const made = await post(
      '/v1/gateways',
      { id: 'older', dlp: { enabled: true, action: 'BLOCK', profiles: ['credit_card', 'email'] } },
      'default',
    );
    assert.equal(made.status, 201);
    assert.deepEqual(made.json.dlp, {
      enabled: true,
      policies: [
        {
          id: 'dlp',
          enabled: true,
          profiles: ['credit_card', 'email'],
          action: 'BLOCK',
          check: ['REQUEST', 'RESPONSE'],
        },
      ],
      custom_profiles: [],
    });
    const refused = await post(
      '/v1/gateways',
      { id: 'older2', dlp: { enabled: true, action: 'HIDE', profiles: ['email'] } },
      'default',
    );
    assert.equal(refused.status, 400);
    assert.equal((refused.json.error as { param: string }).param, 'dlp.policies[0].action');
    const blocked = await post(
      '/v1/responses',
      { model: SCRIPTED_MODEL, input: 'mail me at ada@example.com' },
      'older',
    );
    assert.equal(blocked.status, 400);
    assert.equal((blocked.json.error as { code: string }).code, '2029');
  });
});
