import { modelObject } from '../catalog/model-object.ts';
import { createRuntime } from '../runtime.ts';
import type { CliValues } from './main.ts';
import { runtimeOptions } from './runtime-options.ts';

export async function modelsCommand(values: CliValues): Promise<number> {
  const runtime = await createRuntime(runtimeOptions(values));
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
    const header = ['MODEL', 'OWNED BY', 'WHERE', 'CONTEXT'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const row of [header, ...rows])
      process.stdout.write(
        `${row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
      );
    return 0;
  } finally {
    await runtime.close();
  }
}
