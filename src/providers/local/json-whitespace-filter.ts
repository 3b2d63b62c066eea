/**
 * Drops the whitespace between the tokens of streamed JSON text (what a grammar's layout rules
 * let the model write), keeping strings exactly: `{ "a": [1, 2] }` becomes `{"a":[1,2]}`.
 * It also tracks nesting, so a reader knows when a value is complete.
 */
export class JsonWhitespaceFilter {
  private inString = false;
  private escaped = false;
  /** Open objects and arrays. */
  depth = 0;
  /** Whether any non-whitespace text has been seen. */
  started = false;

  /** Whether `char` would end a value at nesting depth 0 (it is whitespace, a comma or a closer). */
  endsTopLevelValue(char: string): boolean {
    return this.started && !this.inString && this.depth === 0 && /[\s,}\]]/.test(char);
  }

  /** The part of `text` to keep. */
  push(text: string): string {
    let kept = '';
    for (const char of text) {
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (char === '\\') this.escaped = true;
        else if (char === '"') this.inString = false;
        kept += char;
        continue;
      }
      if (/\s/.test(char)) continue;
      this.started = true;
      if (char === '"') this.inString = true;
      else if (char === '{' || char === '[') this.depth++;
      else if (char === '}' || char === ']') this.depth--;
      kept += char;
    }
    return kept;
  }
}
