import type { LogEntry, LogStore } from '../../src/store/log-store.ts';
import { logFixture } from './gateway-fixtures.ts';

const MODELS = ['openai/gpt-5.4-pro', 'openai/gpt-5.4-mini', 'anthropic/claude-sonnet'];
const GATEWAYS = ['default', 'search', 'support'];
/** The `user` metadata of four requests in five; the fifth names none. */
const USERS = ['ada', 'grace', 'linus', 'barbara'];
/** The stored prompt of three requests in four (two versions of one, one of another); the fourth ran none. */
const PROMPTS = [
  { id: 'pmpt_seed_support', version: '1' },
  { id: 'pmpt_seed_support', version: '2' },
  { id: 'pmpt_seed_billing', version: '1' },
];

/**
 * `count` logged requests spread over the day before `now`, in the default project: varied
 * models, gateways, users, prompts, latencies, a cache hit in ten and an error in twenty-five.
 * Deterministic.
 */
export async function seedLogs(logs: LogStore, count: number, now: number): Promise<void> {
  const batch: LogEntry[] = [];
  for (let n = 0; n < count; n += 1) {
    const failed = n % 25 === 0;
    batch.push(
      logFixture(`log_seed_${String(n).padStart(6, '0')}`, {
        createdAt: now - 60_000 - Math.floor((n * 86_000_000) / count),
        project: 'default',
        keyId: null,
        model: MODELS[n % MODELS.length]!,
        gateway: GATEWAYS[n % GATEWAYS.length]!,
        durationMs: 80 + ((n * 37) % 900),
        ttftMs: 20 + ((n * 11) % 200),
        cacheStatus: n % 10 === 0 ? 'HIT' : 'MISS',
        success: !failed,
        statusCode: failed ? 502 : 200,
        status: failed ? 'failed' : 'completed',
        cost: 0.001 * (n % 7),
        metadata: n % 5 === 4 ? {} : { user: USERS[n % 5]! },
        ...(n % 4 === 3 ? {} : { prompt: PROMPTS[n % 4]! }),
      }),
    );
    if (batch.length === 1000) await logs.insert(batch.splice(0));
  }
  if (batch.length > 0) await logs.insert(batch);
}
