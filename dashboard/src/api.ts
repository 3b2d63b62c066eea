/**
 * The dashboard's one way to the API: the same routes and keys as any client. The admin key
 * typed into the dashboard lives in sessionStorage (gone when the tab closes); without one the
 * requests carry no key, which a Portico without keys answers on loopback.
 */
const KEY_ITEM = 'portico.key';

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_ITEM);
}

export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY_ITEM);
  else sessionStorage.setItem(KEY_ITEM, key);
}

/** An error answer in OpenAI's shape, with its status. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

export function headers(json: boolean): Record<string, string> {
  const key = storedKey();
  return {
    ...(key ? { authorization: `Bearer ${key}` } : {}),
    ...(json ? { 'content-type': 'application/json' } : {}),
  };
}

/** Fired when the API refuses the dashboard's key (or its lack of one): the app asks for a key. */
export const UNAUTHORIZED_EVENT = 'portico:unauthorized';

/** An error answer as a RequestError: OpenAI's `{error}` shape, or Cloudflare's `{errors: [...]}` envelope. */
export async function failure(response: Response): Promise<RequestError> {
  const body = (await response.json().catch(() => null)) as {
    error?: { message?: string; code?: string };
    errors?: { message?: string }[];
  } | null;
  if (response.status === 401) dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT));
  return new RequestError(
    response.status,
    body?.error?.message ?? body?.errors?.[0]?.message ?? `${response.status} ${response.statusText}`,
    body?.error?.code ?? null,
  );
}

export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers: headers(init.body !== undefined),
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

/** A query string from the defined values. */
export function query(values: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values))
    if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
