import type { ChunkingStrategy } from '../api/vector-stores.ts';
import { o200k, o200kTokens, timeSlices } from '../o200k-tokens.ts';

/**
 * A text cut into windows of at most `max_chunk_size_tokens` tokens (OpenAI's o200k tokenizer,
 * as OpenAI counts them), each starting `max - overlap` tokens after the one before, so
 * neighbours share `chunk_overlap_tokens` tokens. Whitespace-only windows are left out. The
 * tokenizer loads with the first file chunked, not with the server; the text is tokenized and
 * cut with the event loop turning between slices of the work (o200k-tokens.ts).
 */
export async function chunkText(text: string, strategy: ChunkingStrategy): Promise<string[]> {
  const { max_chunk_size_tokens: size, chunk_overlap_tokens: overlap } = strategy.static;
  const pause = timeSlices();
  const tokens = await o200kTokens(text, pause);
  const { decode } = await o200k();
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
