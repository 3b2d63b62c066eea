import type { RuntimeOptions } from '../runtime.ts';
import { text, type Values } from './command.ts';

/** The runtime settings given on the command line; the environment fills the rest. */
export function runtimeOptions(values: Values): RuntimeOptions {
  const dataDir = text(values, 'data-dir');
  const config = text(values, 'config');
  const modelsDirs = values['models-dir'];
  return {
    ...(dataDir ? { dataDir } : {}),
    ...(Array.isArray(modelsDirs) ? { modelsDirs } : {}),
    ...(config ? { configPath: config } : {}),
  };
}
