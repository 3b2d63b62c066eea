import type { RuntimeOptions } from '../runtime.ts';
import type { CliValues } from './main.ts';

/** The runtime settings given on the command line; the environment fills the rest. */
export function runtimeOptions(values: CliValues): RuntimeOptions {
  return {
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    ...(values['models-dir'] ? { modelsDirs: values['models-dir'] } : {}),
    ...(values.config ? { configPath: values.config } : {}),
  };
}
