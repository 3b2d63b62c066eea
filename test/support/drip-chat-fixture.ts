import { loadFixture, type Fixture } from './replay-server.ts';

const text = loadFixture(new URL('../fixtures/chat-completions/text.json', import.meta.url));

/**
 * The recorded chat-completions text stream (fixtures/chat-completions/text.json) with its one
 * content delta repeated `words` times, one event per chunk and `delayMs` between chunks: a slow
 * upstream whose answer is live long enough to kill or restart something beside it.
 */
export function dripChatFixture(words: number, delayMs: number): Fixture {
  const events = text.chunks!.join('').split(/(?<=\n\n)/);
  const content = events.find((event) => event.includes('"content":"Hello"'))!;
  const [first, , ...rest] = events;
  return {
    ...text,
    chunks: [
      first!,
      ...Array.from({ length: words }, () => content),
      ...rest.filter((e) => !e.includes('Hello')),
    ],
    chunkDelayMs: delayMs,
  };
}
