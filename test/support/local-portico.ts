import { after, before } from 'node:test';
import type OpenAI from 'openai';
import { startPortico, type TestPortico } from './portico.ts';

type Params = OpenAI.Responses.ResponseCreateParamsNonStreaming;

/**
 * Portico on the shared local models for the calling describe: started before its tests and
 * stopped after them. `create` takes `seed`, a Portico parameter the SDK's types do not know
 * (the SDK sends it as given).
 */
export function useLocalPortico(): {
  portico(): TestPortico;
  create(body: Params & { seed?: number }): Promise<OpenAI.Responses.Response>;
} {
  let portico: TestPortico;
  before(async () => {
    portico = await startPortico();
  });
  after(() => portico.stop());
  return {
    portico: () => portico,
    create: (body) => portico.client.responses.create(body as Params),
  };
}
