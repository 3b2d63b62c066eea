import type { ComponentChildren } from 'preact';

/** An error from the API, said in its own words. */
export function ErrorNote({ error }: { error: Error | undefined }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error.message}
    </p>
  );
}

export function Loading({ children }: { children?: ComponentChildren }) {
  return (
    <p class="muted" aria-busy="true">
      {children ?? 'Loading…'}
    </p>
  );
}

export function JsonBlock({ value, label }: { value: unknown; label: string }) {
  return (
    <pre class="json" aria-label={label} tabIndex={0}>
      {value === undefined || value === null ? '(not collected)' : JSON.stringify(value, null, 2)}
    </pre>
  );
}
