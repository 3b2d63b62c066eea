/**
 * What a client sees of stored items: reasoning keeps its `encrypted_content` (Portico needs it
 * to carry reasoning upstream) but shows it only when `include` asks for
 * `reasoning.encrypted_content`.
 */
export function itemsForClient<T extends { type: string }>(
  items: readonly T[],
  include: readonly string[],
): T[] {
  if (include.includes('reasoning.encrypted_content')) return [...items];
  return items.map((item) => {
    if (item.type !== 'reasoning' || !('encrypted_content' in item)) return item;
    const { encrypted_content: _hidden, ...shown } = item as T & { encrypted_content?: unknown };
    return shown as T;
  });
}
