import type { ChunkingStrategy } from '../api/vector-stores.ts';

/**
 * A text cut into windows of at most `max_chunk_size_tokens` tokens (OpenAI's o200k tokenizer,
 * as OpenAI counts them), each starting `max - overlap` tokens after the one before, so
 * neighbours share `chunk_overlap_tokens` tokens. Whitespace-only windows are left out. The
 * tokenizer (megabytes of tables) loads with the first file chunked, not with the server.
 */
export async function chunkText(text: string, strategy: ChunkingStrategy): Promise<string[]> {
  const { decode, encode } = await import('gpt-tokenizer/encoding/o200k_base');
  const { max_chunk_size_tokens: size, chunk_overlap_tokens: overlap } = strategy.static;
  const tokens = encode(text);
  const step = Math.max(1, size - overlap);
  const chunks: string[] = [];
  for (let start = 0; start < tokens.length; start += step) {
    const chunk = decode(tokens.slice(start, start + size));
    if (chunk.trim()) chunks.push(chunk);
    if (start + size >= tokens.length) break;
  }
  return chunks;
}
