/** What the benches' load generators send: POSTs of a JSON body, for `seconds`. */
export interface LoadRun {
  url: string;
  headers: Record<string, string>;
  /** The JSON body, with `%s` where each request puts a string of its own (so no two are alike). */
  bodyTemplate: string;
  seconds: number;
}

/** The bodies of `template`: each with `unique` where the template says `%s`. */
export function bodies(template: string): (unique: string) => string {
  const [before, after = ''] = template.split('%s') as [string, string?];
  return (unique) => `${before}${unique}${after}`;
}
