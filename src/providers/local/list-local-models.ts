import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CatalogModel } from '../../catalog/catalog-model.ts';
import { DEFAULT_MAX_CONTEXT_SIZE } from './load-local-model.ts';
import { readGgufContextLength } from './read-gguf-context-length.ts';

/** The context window of a model whose GGUF header does not give its trained length. */
export const DEFAULT_LOCAL_CONTEXT_WINDOW = 4096;

const GGUF_FILE = /\.gguf$/i;
/** `mmproj-*.gguf`: a vision model's image projector, not a model of its own. */
const VISION_PROJECTOR = /^mmproj/i;
/** `name-00002-of-00003.gguf`: later parts of a split model load through the first part. */
const SPLIT_PART = /-(\d{5})-of-\d{5}$/;

function fileNames(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return []; // a missing or unreadable folder holds no models
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Every `*.gguf` file directly in each folder, as a catalog entry `local/<file name>`. Only
 * the GGUF header is read (for the context window): nothing loads until a request needs it.
 * Earlier folders win when two hold a model of the same name.
 */
export function listLocalModels(dirs: readonly string[]): CatalogModel[] {
  const models = new Map<string, CatalogModel>();
  for (const dir of dirs) {
    for (const file of fileNames(dir)) {
      if (!GGUF_FILE.test(file)) continue;
      let name = file.replace(GGUF_FILE, '');
      const split = SPLIT_PART.exec(name);
      if (split) {
        if (split[1] !== '00001') continue;
        name = name.slice(0, split.index);
      }
      const id = `local/${name}`;
      const path = resolve(join(dir, file));
      if (models.has(id) || !isFile(path) || VISION_PROJECTOR.test(file)) continue;
      models.set(id, localModel(id, path));
    }
  }
  return [...models.values()];
}

/** A GGUF file as a catalog entry. Only its header is read (for the context window). */
export function localModel(id: string, path: string): CatalogModel {
  return {
    id,
    provider: 'local',
    upstreamModel: path,
    task: 'Text Generation',
    ownedBy: 'Local',
    proxied: false,
    // What a request can use: the trained length, as far as Portico loads it by default.
    contextWindow: Math.min(
      readGgufContextLength(path) ?? DEFAULT_LOCAL_CONTEXT_WINDOW,
      DEFAULT_MAX_CONTEXT_SIZE,
    ),
    capabilities: { tools: true, vision: false, structuredOutput: true, reasoningEfforts: [] },
  };
}
