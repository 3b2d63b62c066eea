/** A chat completion's id, made from the engine's response id so one id traces both. */
export function chatCompletionId(responseId: string): string {
  return `chatcmpl-${responseId.replace(/^resp_/, '')}`;
}
