import type { Annotation } from '../hosted-tool.ts';

export interface FoundFile {
  file_id: string;
  filename: string;
}

/**
 * `file_citation` annotations for the files a message names: where the text mentions a found
 * file by its name, the file is cited at the end of the mention (`index`, a character offset,
 * as OpenAI places its citations). The model is told to name the files it uses.
 */
export function citeFiles(text: string, files: readonly FoundFile[]): Annotation[] {
  const annotations: Annotation[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.file_id) || !file.filename) continue;
    seen.add(file.file_id);
    for (
      let at = text.indexOf(file.filename);
      at >= 0;
      at = text.indexOf(file.filename, at + file.filename.length)
    )
      annotations.push({
        type: 'file_citation',
        file_id: file.file_id,
        filename: file.filename,
        index: at + file.filename.length,
      });
  }
  return annotations.sort((a, b) => (a.index as number) - (b.index as number));
}
