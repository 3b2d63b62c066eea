import type { ChatHistoryItem, ChatModelFunctions, ChatWrapper, Token, Tokenizer } from 'node-llama-cpp';

/**
 * The prompt tokens exactly as LlamaChat evaluates them: the history with an open model turn
 * appended (unless it already ends with one, which is then continued), rendered by the
 * model's chat wrapper with the documentation of the offered functions, if any, special
 * tokens included.
 */
export function renderPrompt(
  chatWrapper: ChatWrapper,
  tokenizer: Tokenizer,
  history: readonly ChatHistoryItem[],
  functions?: ChatModelFunctions,
): Token[] {
  const chatHistory: ChatHistoryItem[] =
    history.at(-1)?.type === 'model' ? [...history] : [...history, { type: 'model', response: [] }];
  const state = chatWrapper.generateContextState({
    chatHistory,
    ...(functions ? { availableFunctions: functions, documentFunctionParams: true } : {}),
  });
  return state.contextText.tokenize(tokenizer);
}
