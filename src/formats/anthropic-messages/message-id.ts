/** A message's id, made from the engine's response id so one id traces both. */
export function messageId(responseId: string): string {
  return `msg_${responseId.replace(/^resp_/, '')}`;
}
