/**
 * A deep copy of JSON data (what events, items and responses hold). A fraction of
 * `structuredClone`'s cost on the small values the fold copies per event: ~0.2 µs for an
 * item against ~2, and an empty array for free.
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  const copy: Record<string, unknown> = {};
  // Plain objects parsed or built from JSON inherit no enumerable keys.
  for (const key in value) {
    const field = cloneJson((value as Record<string, unknown>)[key]);
    // An own `__proto__` (JSON.parse makes one) stays a key: assigned, it would set the prototype.
    if (key === '__proto__')
      Object.defineProperty(copy, key, {
        value: field,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else copy[key] = field;
  }
  return copy as T;
}
