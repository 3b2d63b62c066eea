import type { ChunkingStrategy } from '../api/vector-stores.ts';
import { nextTurn } from '../next-turn.ts';

/**
 * The most work between two turns of the event loop while a text is cut: tokenizing runs at
 * ~30 MB of text a second here, so a 64 MiB file would otherwise hold every request for seconds.
 */
const SLICE_MS = 10;
/** Tokenizer pieces (about a word each) between two looks at the clock. */
const PIECES_PER_LOOK = 1024;

/**
 * A text cut into windows of at most `max_chunk_size_tokens` tokens (OpenAI's o200k tokenizer,
 * as OpenAI counts them), each starting `max - overlap` tokens after the one before, so
 * neighbours share `chunk_overlap_tokens` tokens. Whitespace-only windows are left out. The
 * tokenizer (megabytes of tables) loads with the first file chunked, not with the server. The
 * text is tokenized piece by piece (the same tokens as at once), yielding to the event loop
 * every `SLICE_MS`.
 */
export async function chunkText(text: string, strategy: ChunkingStrategy): Promise<string[]> {
  const { decode, encodeGenerator } = await import('gpt-tokenizer/encoding/o200k_base');
  const { max_chunk_size_tokens: size, chunk_overlap_tokens: overlap } = strategy.static;
  let sliceStart = performance.now();
  const pause = async () => {
    if (performance.now() - sliceStart < SLICE_MS) return;
    await nextTurn();
    sliceStart = performance.now();
  };
  const tokens: number[] = [];
  let pieces = 0;
  for (const piece of encodeGenerator(text)) {
    for (const token of piece) tokens.push(token);
    if (++pieces % PIECES_PER_LOOK === 0) await pause();
  }
  const step = Math.max(1, size - overlap);
  const chunks: string[] = [];
  for (let start = 0; start < tokens.length; start += step) {
    const chunk = decode(tokens.slice(start, start + size));
    if (chunk.trim()) chunks.push(chunk);
    if (start + size >= tokens.length) break;
    await pause();
  }
  return chunks;
}
