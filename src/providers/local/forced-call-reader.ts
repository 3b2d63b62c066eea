import type { ModelEvent } from '../provider.ts';
import { JsonWhitespaceFilter } from './json-whitespace-filter.ts';

type Mode = 'start' | 'header' | 'arguments' | 'tail' | 'between' | 'newline' | 'input' | 'done';

/** `{"name": "<tool>"` then `, "arguments":` (a function call) or `}` (a custom call's header line). */
const HEADER = /^\s*\{\s*"name"\s*:\s*"([A-Za-z0-9_-]+)"\s*(?:(,)\s*"arguments"\s*:|\})$/;

/**
 * Reads the output of a forced call as it streams (see forced-call-gbnf.ts for its shape) and
 * turns it into tool-call events: each call starts once its name is known, its arguments
 * stream as they are generated (whitespace between JSON tokens left out), and it ends as soon
 * as its arguments are complete. A custom call's input is the raw text after its header line,
 * up to the end of the output, so it ends in `finish`. The grammar guarantees the shape, so
 * the reader never has to recover from anything else.
 */
export class ForcedCallReader {
  private mode: Mode = 'start';
  private inArray = false;
  private header = '';
  private filter = new JsonWhitespaceFilter();
  private callId = '';
  /** Calls whose arguments or input are complete. */
  completed = 0;

  constructor(private readonly newCallId: () => string) {}

  push(text: string): ModelEvent[] {
    const events: ModelEvent[] = [];
    let delta = '';
    const flush = () => {
      if (delta !== '') events.push({ type: 'tool-call-delta', callId: this.callId, delta });
      delta = '';
    };
    const chars = Array.from(text);
    for (let i = 0; i < chars.length; i++) {
      const char = chars[i]!;
      switch (this.mode) {
        case 'start':
          if (char === '[') this.inArray = true;
          if (char === '[' || char === '{') this.mode = 'header';
          if (char === '{') this.header = char;
          break;
        case 'header': {
          this.header += char;
          const match = HEADER.exec(this.header);
          if (!match) break;
          this.callId = this.newCallId();
          const kind = match[2] ? 'function' : 'custom';
          events.push({ type: 'tool-call-start', callId: this.callId, name: match[1]!, kind });
          this.mode = kind === 'function' ? 'arguments' : 'newline';
          this.filter = new JsonWhitespaceFilter();
          break;
        }
        case 'arguments':
          if (!this.filter.endsTopLevelValue(char)) {
            delta += this.filter.push(char);
            break;
          }
          flush();
          events.push({ type: 'tool-call-end', callId: this.callId });
          this.completed++;
          this.mode = char === '}' ? this.afterCall() : 'tail'; // the envelope's closing brace
          break;
        case 'tail':
          if (char === '}') this.mode = this.afterCall();
          break;
        case 'between':
          if (char === ',') [this.mode, this.header] = ['header', ''];
          else if (char === ']') this.mode = 'done';
          break;
        case 'newline':
          this.mode = 'input'; // the header line's line break
          break;
        case 'input':
          delta += chars.slice(i).join('');
          i = chars.length;
          break;
        case 'done':
          break;
      }
    }
    flush();
    return events;
  }

  private afterCall(): Mode {
    return this.inArray ? 'between' : 'done';
  }

  /** At the end of the output: a custom call's input is complete. */
  finish(): ModelEvent[] {
    if (this.mode !== 'newline' && this.mode !== 'input') return [];
    this.mode = 'done';
    this.completed++;
    return [{ type: 'tool-call-end', callId: this.callId }];
  }
}
