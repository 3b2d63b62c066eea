/** A positive whole number from the environment; undefined when unset; a clear error when it is not one. */
export function positiveNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  const number = Number(value);
  if (Number.isInteger(number) && number > 0) return number;
  throw new Error(`${name} must be a positive whole number, not '${value.slice(0, 40)}'.`);
}
