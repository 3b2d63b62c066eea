import type { Llama, LlamaGrammar } from 'node-llama-cpp';
import { badRequest } from '../../api/errors.ts';
import { textOutput, type ChatOutput } from './chat-output.ts';
import { forcedCallGbnf } from './forced-call-gbnf.ts';
import { forcedCallOutput } from './forced-call-output.ts';
import { functionCallingOutput } from './function-calling-output.ts';
import { jsonSchemaGbnf } from './json-schema-gbnf.ts';
import type { OutputPlan } from './plan-output.ts';

/** Compiles a grammar; one llama.cpp refuses (nesting too deep, say) is a 400 naming `param`. */
async function compile(param: string, build: () => Promise<LlamaGrammar>): Promise<LlamaGrammar> {
  try {
    return await build();
  } catch (error) {
    const reason = error instanceof Error ? `: ${error.message}` : '';
    throw badRequest(
      param,
      `Local models could not build a grammar for this request${reason}`,
      'unsupported_grammar',
    );
  }
}

/** The grammar (if any) and the reader of a planned output, ready to generate with. */
export async function createChatOutput(
  llama: Llama,
  plan: OutputPlan,
  newCallId: () => string,
): Promise<ChatOutput> {
  switch (plan.kind) {
    case 'text': {
      const { format } = plan;
      if (format === undefined) return textOutput(undefined);
      if (format === 'json') return textOutput(await llama.getGrammarFor('json'));
      const grammar = await compile('text.format.schema', async () =>
        llama.createGrammar({ grammar: await jsonSchemaGbnf(llama, format) }),
      );
      return textOutput(grammar);
    }
    case 'forced': {
      const grammar = await compile('tools', async () =>
        llama.createGrammar({ grammar: await forcedCallGbnf(llama, plan.tools, plan.parallel) }),
      );
      return forcedCallOutput(grammar, newCallId);
    }
    case 'auto':
      return functionCallingOutput(plan.tools, plan.parallel, newCallId);
  }
}
