import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogModel } from '../../catalog/catalog-model.ts';
import { listLocalModels, localModel } from './list-local-models.ts';

const OLLAMA_REGISTRY = 'registry.ollama.ai';
const OLLAMA_MODEL_LAYER = 'application/vnd.ollama.image.model';

function entries(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return []; // no such store
  }
}

function isGguf(path: string): boolean {
  try {
    const fd = openSync(path, 'r');
    try {
      const magic = Buffer.alloc(4);
      return readSync(fd, magic, 0, 4, 0) === 4 && magic.toString('latin1') === 'GGUF';
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** The GGUF blob a manifest's model layer names, if it is one. */
function ollamaBlob(root: string, manifest: string): string | undefined {
  try {
    const { layers } = JSON.parse(readFileSync(manifest, 'utf8')) as {
      layers?: Array<{ mediaType?: string; digest?: string }>;
    };
    const digest = layers?.find((layer) => layer.mediaType === OLLAMA_MODEL_LAYER)?.digest;
    if (!digest || !/^sha256:[0-9a-f]{64}$/.test(digest)) return undefined;
    const blob = join(root, 'blobs', digest.replace(':', '-'));
    return isGguf(blob) ? blob : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Models Ollama pulled (`OLLAMA_MODELS`, or ~/.ollama/models): each manifest's GGUF layer, as
 * `local/<name>:<tag>` (`local/<namespace>/<name>:<tag>` outside the library, and the registry
 * host first when it is not Ollama's).
 */
export function ollamaModels(root: string): CatalogModel[] {
  const models: CatalogModel[] = [];
  const manifests = join(root, 'manifests');
  for (const host of entries(manifests))
    for (const namespace of entries(join(manifests, host)))
      for (const name of entries(join(manifests, host, namespace)))
        for (const tag of entries(join(manifests, host, namespace, name))) {
          const blob = ollamaBlob(root, join(manifests, host, namespace, name, tag));
          if (!blob) continue;
          const prefix = [
            host === OLLAMA_REGISTRY ? '' : `${host}/`,
            namespace === 'library' ? '' : `${namespace}/`,
          ];
          models.push(localModel(`local/${prefix.join('')}${name}:${tag}`, blob));
        }
  return models;
}

/** Models LM Studio downloaded: `<models folder>/<publisher>/<repository>/*.gguf`, as `local/<file name>`. */
export function lmStudioModels(root: string): CatalogModel[] {
  const dirs = entries(root).flatMap((publisher) =>
    entries(join(root, publisher)).map((repository) => join(root, publisher, repository)),
  );
  return listLocalModels(dirs);
}

/**
 * The models other local runners already keep on this machine, found through `HOME` (and
 * `OLLAMA_MODELS`): nothing is copied, the files are served where they are.
 */
export function storedModels(env: NodeJS.ProcessEnv): CatalogModel[] {
  const home = env.HOME;
  const ollama = env.OLLAMA_MODELS ?? (home ? join(home, '.ollama', 'models') : undefined);
  return [
    ...(ollama ? ollamaModels(ollama) : []),
    ...(home ? lmStudioModels(join(home, '.lmstudio', 'models')) : []),
    ...(home ? lmStudioModels(join(home, '.cache', 'lm-studio', 'models')) : []),
  ];
}
