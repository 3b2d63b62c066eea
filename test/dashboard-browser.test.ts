import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DASHBOARD_DIST } from '../src/server/routes/dashboard.ts';
import { ARTIFACTS, launchChromium } from './support/browser.ts';
import { startPortico, TINY_MODEL, type TestPortico } from './support/portico.ts';
import { seedLogs } from './support/seed-logs.ts';

const SEEDED = 10_000;

/**
 * The dashboard in Debian's Chromium against the real server and the local model: the
 * overview over 10,000 logged requests (its first paint measured and printed), a streamed
 * playground conversation, its rows in the logs, a log's detail with feedback, a prompt
 * created and versioned, and a key created and revoked. Every page is photographed into test-artifacts/.
 */
describe('the dashboard in a browser', () => {
  let portico: TestPortico;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) =>
    page.screenshot({ path: `${ARTIFACTS}dashboard-${name}.png`, fullPage: true });
  const requests = () => page.locator('#stat-requests').textContent();

  before(async () => {
    assert.ok(
      existsSync(new URL('index.html', DASHBOARD_DIST)),
      'the dashboard is not built: run `npm run build:dashboard` (npm ci runs it)',
    );
    portico = await startPortico();
    await seedLogs(portico.server.runtime.stores.logs, SEEDED, Date.now());
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('dialog', (dialog) => void dialog.accept());
  });
  after(async () => {
    await browser?.close();
    await portico?.stop();
  });

  test('the overview paints its counters and charts over 10,000 logged requests', async () => {
    // Marks the moment the overview's numbers and its charts are on screen, measured in the page.
    // (A string, not a function: the test's compiler would add helpers the page does not have.)
    await page.addInitScript(`
      new MutationObserver((records, observer) => {
        if (!document.querySelector('#stat-requests') || !document.querySelector('.chart canvas')) return;
        observer.disconnect();
        requestAnimationFrame(() => (window.overviewPaintedAt = performance.now()));
      }).observe(document, { childList: true, subtree: true });
    `);
    await page.goto(`${portico.server.url}/`);
    await page.waitForFunction(() => 'overviewPaintedAt' in window);
    const paint = await page.evaluate(() => ({
      overview: (window as unknown as { overviewPaintedAt: number }).overviewPaintedAt,
      firstContentful: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
    }));
    console.log(
      `dashboard first paint with ${SEEDED} logged requests: overview with data ${paint.overview.toFixed(0)} ms ` +
        `after navigation (first contentful paint ${paint.firstContentful?.toFixed(0)} ms)`,
    );
    assert.equal(await requests(), '10,000');
    assert.equal((await page.locator('.chart canvas').count()) >= 6, true);
    await shot('overview');
    await page.selectOption('select[name=group_by]', 'model');
    const breakdown = page.locator('table', { has: page.locator('caption', { hasText: 'By model' }) });
    await breakdown.locator('tbody tr').nth(2).waitFor();
    assert.deepEqual((await breakdown.locator('tbody th').allTextContents()).sort(), [
      'anthropic/claude-sonnet',
      'openai/gpt-5.4-mini',
      'openai/gpt-5.4-pro',
    ]);
    await shot('overview-by-model');
    // By a metadata key's values: what each user spent (one seeded request in five names none).
    await page.selectOption('select[name=group_by]', 'metadata');
    await page.fill('input[name=metadata_key]', 'user');
    const byUser = page.locator('table', { has: page.locator('caption', { hasText: 'By metadata.user' }) });
    await byUser.locator('tbody tr').nth(4).waitFor();
    assert.deepEqual((await byUser.locator('tbody th').allTextContents()).sort(), [
      '(none)',
      'ada',
      'barbara',
      'grace',
      'linus',
    ]);
    // By stored prompt and version: version 1 of two prompts stays two groups (one seeded request in four ran none).
    await page.selectOption('select[name=group_by]', 'prompt_version');
    const byVersion = page.locator('table', {
      has: page.locator('caption', { hasText: 'By prompt_version' }),
    });
    // The caption changes at once, the rows when they arrive: wait for a row of the new grouping.
    await byVersion.locator('tbody th', { hasText: 'pmpt_seed_billing@1' }).waitFor();
    assert.deepEqual((await byVersion.locator('tbody th').allTextContents()).sort(), [
      '(none)',
      'pmpt_seed_billing@1',
      'pmpt_seed_support@1',
      'pmpt_seed_support@2',
    ]);
    await page.selectOption('select[name=group_by]', '');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('overview-narrow-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  test('the playground streams a two-turn conversation chained by previous_response_id', async () => {
    await page.goto(`${portico.server.url}/#/playground`);
    await page.selectOption('select[name=model]', TINY_MODEL);
    await page.fill('input[name=max_output_tokens]', '40');
    await page.check('text=Raw events');
    // Every distinct text the answer shows while it arrives.
    await page.evaluate(`
      window.answerTexts = new Set();
      new MutationObserver(() => {
        const answers = document.querySelectorAll('[data-testid=assistant-output]');
        if (answers.length > 0) window.answerTexts.add(answers[answers.length - 1].textContent);
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    `);
    for (const [turn, message] of ['Once upon a time', 'And then'].entries()) {
      await page.fill('#message', message);
      await page.click('button[type=submit]:has-text("Send")');
      await page
        .locator('.turn-meta')
        .nth(turn)
        .filter({ hasText: /completed|incomplete/ })
        .waitFor();
    }
    const texts = await page.evaluate(() => [
      ...(window as unknown as { answerTexts: Set<string> }).answerTexts,
    ]);
    const events = await page.locator('.events').first().textContent();
    const deltas = (events ?? '').split('\n').filter((line) => line.includes('"response.output_text.delta"'));
    assert.ok(deltas.length > 1, 'the answer arrived as several deltas');
    assert.ok(
      texts.filter(Boolean).length > 1,
      `the answer grew on screen as it streamed: ${texts.length} states`,
    );
    const ids = await page.locator('.turn-meta').allTextContents();
    const [first, second] = ids.map((text) => /resp_\w+/.exec(text)?.[0]);
    assert.ok(first && second);
    const chained = await portico.client.responses.retrieve(second);
    assert.equal(chained.previous_response_id, first);
    await shot('playground');
  });

  test('the logs show the new requests, and the overview counted them', async () => {
    await page.goto(`${portico.server.url}/#/logs`);
    const rows = page.locator('[data-testid=logs-table] tbody tr', { hasText: TINY_MODEL });
    await rows.nth(1).waitFor();
    await shot('logs');
    // The search box finds the playground's turns by their words, among 10,000 others.
    await page.fill('input[name=search]', 'once upon');
    await page.press('input[name=search]', 'Enter');
    await page.waitForFunction((model) => {
      const rows = Array.from(document.querySelectorAll('[data-testid=logs-table] tbody tr'));
      return rows.length > 0 && rows.every((row) => row.textContent?.includes(model));
    }, TINY_MODEL);
    await shot('logs-search');
    await page.fill('input[name=search]', 'zyzzyva');
    await page.press('input[name=search]', 'Enter');
    await page.locator('p.muted', { hasText: 'No logs match these filters.' }).waitFor();
    // The Prompt box: one version of a seeded prompt, which the playground's turns did not use.
    await page.fill('input[name=search]', '');
    await page.press('input[name=search]', 'Enter');
    await page.fill('input[name=prompt]', 'pmpt_seed_billing@1');
    await page.press('input[name=prompt]', 'Enter');
    await page.waitForFunction((model) => {
      const rows = Array.from(document.querySelectorAll('[data-testid=logs-table] tbody tr'));
      return rows.length > 0 && rows.every((row) => !row.textContent?.includes(model));
    }, TINY_MODEL);
    await page.fill('input[name=prompt]', 'pmpt_seed_billing@3');
    await page.press('input[name=prompt]', 'Enter');
    await page.locator('p.muted', { hasText: 'No logs match these filters.' }).waitFor();
    await page.goto(`${portico.server.url}/#/overview`);
    await page.locator('#stat-requests', { hasText: '10,002' }).waitFor();
  });

  test('a log opens with its timeline, and takes feedback', async () => {
    await page.goto(`${portico.server.url}/#/logs`);
    await page
      .locator('[data-testid=logs-table] tbody tr', { hasText: TINY_MODEL })
      .first()
      .locator('a')
      .click();
    await page.locator('h1', { hasText: 'Log log_' }).waitFor();
    await page.locator('.timeline', { hasText: 'response.output_text.delta' }).waitFor();
    const id = (await page.locator('h1').textContent())!.replace('Log ', '');
    await page.click('button:has-text("Good")');
    await page.locator('button[aria-pressed=true]', { hasText: 'Good' }).waitFor();
    const log = (await (await fetch(`${portico.server.url}/v1/logs/${id}`)).json()) as { feedback: number };
    assert.equal(log.feedback, 1);
    await shot('log-detail');
  });

  test('models and gateways pages list the catalog and the default gateway', async () => {
    await page.goto(`${portico.server.url}/#/models`);
    await page.locator('tbody th', { hasText: TINY_MODEL }).waitFor();
    await page.locator('tr', { hasText: TINY_MODEL }).locator('button:has-text("Show")').click();
    await page.locator('[aria-label="Input schema"]', { hasText: '"input"' }).waitFor();
    await shot('models');
    await page.goto(`${portico.server.url}/#/gateways`);
    await page.locator('tbody th', { hasText: 'default' }).waitFor();
    await page.click('button:has-text("Create gateway")');
    await page.fill('form[aria-label="New gateway"] input[name=id]', 'browser');
    await page.fill('form[aria-label="New gateway"] input[name=cache_ttl]', '300');
    await page.click('form[aria-label="New gateway"] button[type=submit]');
    const row = page.locator('tbody tr', { hasText: 'browser' });
    await row.locator('td', { hasText: '300s' }).waitFor();
    await row.locator('button:has-text("Edit")').click();
    await page.fill('form[aria-label="Edit gateway browser"] input[name=rate_limit]', '50');
    await page.fill('form[aria-label="Edit gateway browser"] input[name=max_logs]', '1000');
    await page.click('form[aria-label="Edit gateway browser"] button[type=submit]');
    await row.locator('td', { hasText: '50 / 60s fixed' }).waitFor();
    await row.locator('td', { hasText: 'at most 1000 (stop_inserting)' }).waitFor();
    await shot('gateways');
    await row.locator('button:has-text("Delete")').click();
    await row.waitFor({ state: 'detached' });
    assert.equal((await fetch(`${portico.server.url}/v1/gateways/browser`)).status, 404);
  });

  test('a prompt is created from its template, listed, given a version and deleted', async () => {
    await page.goto(`${portico.server.url}/#/prompts`);
    await page.click('button:has-text("Create prompt")');
    const form = page.locator('form[aria-label="New prompt"]');
    await form.locator('input[name=name]').fill('browser guide');
    // A default for a variable no text uses: the API's 400 is shown, and nothing is made.
    const template = (variables: object) =>
      JSON.stringify({ instructions: 'Plan a trip to {{city}}.', variables });
    await form.locator('textarea[name=template]').fill(template({ town: 'Lisbon' }));
    await form.locator('button[type=submit]').click();
    await page.locator('[role=alert]', { hasText: "The variable 'town' has a default" }).waitFor();
    await form.locator('textarea[name=template]').fill(template({ city: 'Lisbon' }));
    await form.locator('button[type=submit]').click();
    const row = page.locator('[data-testid=prompts-table] tbody tr', { hasText: 'browser guide' });
    await row.waitFor();
    assert.deepEqual((await row.locator('td').allTextContents()).slice(1, 3), ['1', 'city']);
    await shot('prompts');
    const id = (await row.getAttribute('data-prompt-id'))!;
    await row.locator('a', { hasText: 'browser guide' }).click();
    await page.locator('h1', { hasText: 'Prompt browser guide' }).waitFor();
    await page.click('button:has-text("New version")');
    const version = page.locator('form[aria-label="New version of browser guide"]');
    assert.deepEqual(JSON.parse(await version.locator('textarea[name=template]').inputValue()), {
      instructions: 'Plan a trip to {{city}}.',
      variables: { city: 'Lisbon' },
    });
    await version
      .locator('textarea[name=template]')
      .fill('{"instructions": "Plan {{days}} days in {{city}}."}');
    await version.locator('button[type=submit]').click();
    await page.locator('article h2', { hasText: 'Version 2 (latest)' }).waitFor();
    assert.match(
      (await page.locator('[aria-label="Template of version 2"]').textContent())!,
      /"instructions": "Plan \{\{days\}\} days in \{\{city\}\}\."/,
    );
    await page.locator('[aria-label="Template of version 1"]').waitFor();
    await shot('prompt-versions');
    const stored = (await (await fetch(`${portico.server.url}/v1/prompts/${id}`)).json()) as {
      latest_version: string;
      variables: string[];
    };
    assert.deepEqual([stored.latest_version, stored.variables], ['2', ['days', 'city']]);
    await page.click('button:has-text("Delete")');
    await page.locator('h1', { hasText: 'Prompts' }).waitFor();
    await page.locator('p.muted', { hasText: 'No prompts yet' }).waitFor();
    assert.equal((await fetch(`${portico.server.url}/v1/prompts/${id}`)).status, 404);
  });

  test("the playground runs a stored prompt: its variables filled in, on the prompt's model", async () => {
    const made = await fetch(`${portico.server.url}/v1/prompts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'tale',
        template: { model: TINY_MODEL, instructions: 'A tale of {{animal}}.', max_output_tokens: 20 },
      }),
    });
    const { id } = (await made.json()) as { id: string };
    // From the prompt's page, which links to the playground with the prompt chosen.
    await page.goto(`${portico.server.url}/#/prompts/${id}`);
    await page.click('a:has-text("Try in the playground")');
    await page.locator('select[name=prompt]').filter({ hasText: 'tale' }).waitFor();
    assert.equal(await page.locator('select[name=prompt]').inputValue(), id);
    assert.equal(await page.locator('select[name=model]').inputValue(), '');
    await page.fill('input[name=variable-animal]', 'a cat');
    await page.click('button[type=submit]:has-text("Send")');
    const meta = page.locator('.turn-meta').filter({ hasText: /completed|incomplete/ });
    await meta.waitFor();
    const responseId = /resp_\w+/.exec((await meta.textContent())!)![0];
    const response = await portico.client.responses.retrieve(responseId);
    assert.equal(response.model, TINY_MODEL);
    assert.deepEqual(response.prompt, { id, version: '1', variables: { animal: 'a cat' } });
    assert.deepEqual(response.instructions, [
      { type: 'message', role: 'developer', content: 'A tale of a cat.' },
    ]);
    await shot('playground-prompt');
    // A later version with another variable: each version asks for its own.
    await fetch(`${portico.server.url}/v1/prompts/${id}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        template: { model: TINY_MODEL, instructions: 'A tale of {{animal}} in {{place}}.' },
      }),
    });
    await page.reload();
    await page.selectOption('select[name=prompt]', id);
    await page.locator('input[name=variable-place]').waitFor();
    await page.selectOption('select[name=prompt_version]', '1');
    await page.locator('input[name=variable-place]').waitFor({ state: 'detached' });
    assert.equal(await page.locator('input[name=variable-animal]').count(), 1);
  });

  test('the pages are reachable by keyboard', async () => {
    await page.goto('about:blank');
    await page.goto(`${portico.server.url}/#/overview`);
    await page.locator('#stat-requests').waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Skip to content');
    for (let n = 0; n < 3; n += 1) await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Playground');
    await page.keyboard.press('Enter');
    await page.locator('h1', { hasText: 'Playground' }).waitFor();
  });

  test('a key is created (shown once) and revoked', async () => {
    await page.goto(`${portico.server.url}/#/keys`);
    await page.click('button:has-text("Create key")');
    await page.fill('form[aria-label="New key"] input[name=name]', 'dashboard admin');
    await page.check('form[aria-label="New key"] input[name=admin]');
    await page.click('form[aria-label="New key"] button[type=submit]');
    const adminKey = (await page.locator('[data-testid=new-key]').textContent())!;
    assert.match(adminKey, /^ptk_/);
    // The server has a key now, so the dashboard asks for one, leaving the new key on screen.
    await page.locator('input[name=key]').fill(adminKey);
    await page.click('button:has-text("Open the dashboard")');
    await page.locator('[data-testid=keys-table] th', { hasText: 'dashboard admin' }).waitFor();

    await page.click('button:has-text("Create key")');
    await page.fill('form[aria-label="New key"] input[name=name]', 'short-lived');
    await page.click('form[aria-label="New key"] button[type=submit]');
    const doomed = (await page.locator('[data-testid=new-key]').textContent())!;
    const row = page.locator('[data-testid=keys-table] tr', { hasText: 'short-lived' });
    await row.waitFor();
    await shot('keys');
    await row.locator('button:has-text("Revoke")').click();
    await row.waitFor({ state: 'detached' });
    const refused = await fetch(`${portico.server.url}/v1/models`, {
      headers: { authorization: `Bearer ${doomed}` },
    });
    assert.equal(refused.status, 401);
  });
});
