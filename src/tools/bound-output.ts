/**
 * A tool result cut to what the model may read: the head of it, and a note saying how much was
 * left out, so that one large result can neither flood the context window nor pass unnoticed.
 */
export function boundOutput(output: string, maxChars: number): string {
  if (output.length <= maxChars) return output;
  return `${output.slice(0, maxChars)}\n[... ${output.length - maxChars} more characters cut by Portico]`;
}
