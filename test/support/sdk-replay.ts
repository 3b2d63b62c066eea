import OpenAI from 'openai';

export interface SdkReplay {
  /** How many events the SDK's stream helper yielded. */
  count: number;
  /** The response the SDK's accumulator folded the events into. */
  final: OpenAI.Responses.Response;
}

/**
 * Feeds a Responses event list, as Portico would stream it, to the official SDK's
 * `responses.stream` through a fake `fetch`, so that the SDK's own accumulator judges it.
 */
export async function replayThroughSdk(
  events: ReadonlyArray<Record<string, unknown>>,
  model: string,
): Promise<SdkReplay> {
  const body = events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join('');
  const sdk = new OpenAI({
    apiKey: 'unused',
    baseURL: 'http://portico.invalid/v1',
    maxRetries: 0,
    fetch: async () => new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
  });
  const stream = sdk.responses.stream({ model, input: 'Hi' });
  let count = 0;
  for await (const _event of stream) count++;
  return { count, final: await stream.finalResponse() };
}
