/**
 * Who a stored record belongs to: a project. Every read is scoped to it; a key of another
 * project finds nothing (a 404, never the object).
 */
export type Owner = string;

/**
 * The project of the loopback user while no key exists (open mode), of the binding, of the CLI,
 * and of keys made without one.
 */
export const DEFAULT_PROJECT: Owner = 'default';

/**
 * The project of requests without a key on a gateway without authentication, once keys exist.
 * No key can hold it (project ids begin with a letter or digit), so what such requests store is
 * theirs alone: they never reach what a key of `default` stored, nor it theirs.
 */
export const ANONYMOUS_PROJECT: Owner = '(anonymous)';
