import { nextTurn } from './next-turn.ts';

/**
 * The most work between two turns of the event loop while a long text is tokenized: o200k runs
 * at ~30 MB of text a second here, so a 64 MiB file, or a context near a million tokens, would
 * otherwise hold every request for seconds, or for ~130 ms.
 */
const SLICE_MS = 10;
/** Tokenizer pieces (about a word each) between two looks at the clock. */
const PIECES_PER_LOOK = 1024;

/**
 * OpenAI's o200k tokenizer (GPT-4o, the o-series, GPT-5), imported at its first use, not at
 * start: its tables take ~70 MB and ~0.15 s to load.
 */
export function o200k() {
  return import('gpt-tokenizer/encoding/o200k_base');
}

/** A long job's pauses: each call yields a turn of the event loop once `SLICE_MS` of work ran since the last. */
export function timeSlices(): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < SLICE_MS) return;
    await nextTurn();
    since = performance.now();
  };
}

/**
 * The longest run of non-space characters tokenized at once. Byte-pair merging takes time
 * that grows with the square of a piece's length, and o200k makes a run of letters one piece:
 * 120,000 `a`s (or a page of Chinese, which has no spaces) held the event loop for 17 s. Cut
 * into runs of this length, the count differs by at most a token a cut.
 */
const MAX_RUN = 256;
/** The longest text scanned for cuts before it is tokenized: the scan is work between pauses too. */
const MAX_SEGMENT = 65_536;

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x3000;
}

/**
 * `text` in segments to tokenize one by one: runs of non-space cut at MAX_RUN; the rest past
 * MAX_SEGMENT, before a lone space between two words, where o200k's pieces always part (the
 * space begins the next piece), so the tokens are exactly those of the whole.
 */
export function* tokenizerSegments(text: string): Generator<string, void, undefined> {
  let start = 0;
  let run = 0;
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (isSpace(code)) {
      run = 0;
      const lone = code === 32 && !isSpace(text.charCodeAt(at - 1)) && !isSpace(text.charCodeAt(at + 1));
      if (at - start < MAX_SEGMENT || !lone) continue;
    } else if (++run <= MAX_RUN || (code >= 0xdc00 && code <= 0xdfff)) {
      // Never between the two halves of a surrogate pair.
      continue;
    } else run = 1;
    yield text.slice(start, at);
    start = at;
  }
  if (start < text.length) yield text.slice(start);
}

/** Runs `take` over the o200k pieces of `text` (their tokens, about a word each), with `pause` between slices. */
async function eachPiece(
  text: string,
  pause: () => Promise<void>,
  take: (tokens: readonly number[]) => void,
): Promise<void> {
  const { encodeGenerator } = await o200k();
  let pieces = 0;
  for (const segment of tokenizerSegments(text)) {
    for (const piece of encodeGenerator(segment)) {
      take(piece);
      if (++pieces % PIECES_PER_LOOK === 0) await pause();
    }
    await pause();
  }
}

/** The o200k tokens of `text`, the same as tokenized at once, taken piece by piece with `pause` between. */
export async function o200kTokens(text: string, pause: () => Promise<void>): Promise<number[]> {
  const tokens: number[] = [];
  await eachPiece(text, pause, (piece) => {
    for (const token of piece) tokens.push(token);
  });
  return tokens;
}

/**
 * How many o200k tokens `text` takes, counted as `o200kTokens` takes them, without holding
 * them: a million-token context's token list alone took ~100 MB while it grew.
 */
export async function o200kCount(text: string, pause: () => Promise<void>): Promise<number> {
  let count = 0;
  await eachPiece(text, pause, (piece) => (count += piece.length));
  return count;
}
