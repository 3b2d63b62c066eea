import type { ModelEvent } from '../providers/provider.ts';
import type { HostedToolRunner } from './hosted-tool-runner.ts';

/**
 * Adds the hosted tools' citations (a search result's URL, a file a tool wrote) to the model's
 * text: the text of the current message part is gathered, and when anything else follows it
 * (the part ends, a call starts, the turn finishes) its citations are announced first.
 */
export class HostedCitations {
  private text = '';

  constructor(private readonly runner: HostedToolRunner | undefined) {}

  /** The events to write before `event`: the citations of the text it ends, if it ends any. */
  before(event: ModelEvent): ModelEvent[] {
    if (!this.runner?.cite) return [];
    if (event.type === 'text-delta') {
      this.text += event.delta;
      return [];
    }
    if (event.type === 'text-annotation' || this.text === '') return [];
    const annotations = this.runner.cite(this.text);
    this.text = '';
    return annotations.map((annotation) => ({ type: 'text-annotation', annotation }));
  }
}
