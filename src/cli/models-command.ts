import { modelObject } from '../catalog/model-object.ts';
import { createRuntime } from '../runtime.ts';
import { RUNTIME_OPTIONS, type Command } from './command.ts';
import { formatTable } from './print-table.ts';
import { runtimeOptions } from './runtime-options.ts';

export const modelsCommand: Command = {
  summary: 'Lists the models Portico serves: local GGUF files, configured upstreams and aliases.',
  usage: 'portico models [--json]',
  maxArguments: 0,
  options: { ...RUNTIME_OPTIONS, json: { type: 'boolean' } },
  async run(_positionals, values) {
    const runtime = await createRuntime({ ...runtimeOptions(values), recover: false });
    try {
      const models = runtime.catalog.list().map(modelObject);
      if (values.json) {
        process.stdout.write(`${JSON.stringify(models, null, 2)}\n`);
        return 0;
      }
      const rows = models.map((m) => [
        m.id,
        m.owned_by,
        m.proxied ? 'proxied' : 'local',
        m.context_window.toLocaleString('en-US'),
      ]);
      process.stdout.write(formatTable(['MODEL', 'OWNED BY', 'WHERE', 'CONTEXT'], rows));
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
