/**
 * Who a stored record belongs to: a project. Every read is scoped to it; a key of another
 * project finds nothing (a 404, never the object).
 */
export type Owner = string;

/** The project of requests made without a key (open mode on loopback), of the binding and of the CLI. */
export const DEFAULT_PROJECT: Owner = 'default';
