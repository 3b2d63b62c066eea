import { useState } from 'preact/hooks';

type KeysOf<T, V> = { [K in keyof T]: T[K] extends V ? K : never }[keyof T];

/** A form's state, with handlers that copy an input's text or a checkbox's state into one field. */
export function useForm<T extends object>(initial: T) {
  const [form, setForm] = useState(initial);
  const text = (name: KeysOf<T, string>) => (event: Event) =>
    setForm({ ...form, [name]: (event.currentTarget as HTMLInputElement).value });
  const flag = (name: KeysOf<T, boolean>) => (event: Event) =>
    setForm({ ...form, [name]: (event.currentTarget as HTMLInputElement).checked });
  /** Several fields at once. */
  const set = (changes: Partial<T>) => setForm((current) => ({ ...current, ...changes }));
  return { form, text, flag, set };
}
