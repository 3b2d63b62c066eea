import { parseNetwork } from './parse-network.ts';
import { z } from 'zod';

const milliseconds = z.int('must be a whole number of milliseconds').positive('must be positive');
const count = z.int('must be a whole number').positive('must be positive');
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const network = z
  .string()
  .refine(
    (text) => parseNetwork(text) !== undefined,
    'must be an address or a network, e.g. 127.0.0.1/32 or ::1/128',
  );

/** The `tools` section of the config file: how Portico runs built-in tools. */
export const ToolsConfigFile = z.strictObject({
  /** Portico runs hosted tools for `openai` models too, instead of passing them to OpenAI. */
  run_for_openai: z.boolean('must be true or false').optional(),
  /** How long one tool call may take. */
  call_timeout_ms: milliseconds.optional(),
  /** Characters of one tool result the model sees; the rest is cut off with a note. */
  max_output_chars: count.optional(),
  /**
   * Private, loopback, link-local or special networks (or this machine's own addresses) that URLs
   * clients name (an MCP `server_url`) may reach anyway. URLs in this config need none of it.
   */
  allowed_networks: z.array(network, 'must be a list of networks').optional(),
  web_search: z
    .strictObject({
      /** A SearXNG-compatible search API: Portico asks `URL/search?q=...&format=json`. */
      url: httpUrl.optional(),
      /** Results one search returns to the model. */
      max_results: count.max(50).optional(),
    })
    .optional(),
  code_interpreter: z
    .strictObject({
      /** Heap of one container's Python process, in megabytes. */
      memory_mb: count.max(8192).optional(),
      /** How long one run of code may take before its process is killed. */
      timeout_ms: milliseconds.optional(),
      /** Bytes of stdout and stderr one run keeps. */
      max_output_bytes: count.optional(),
      /** Minutes of inactivity after which a container expires. */
      idle_minutes: count.optional(),
      /**
       * `namespace` (the default): the sandbox runs in a network namespace of its own (`unshare
       * -rn`), and code is refused where the host cannot make one. `none`: without it (network
       * globals are still removed, but code that reaches JavaScript could open sockets).
       */
      network_isolation: z.enum(['namespace', 'none'], { error: "must be 'namespace' or 'none'" }).optional(),
    })
    .optional(),
});

export type ToolsConfigFile = z.output<typeof ToolsConfigFile>;

/** How Portico runs built-in tools, every setting decided. */
export interface ToolsConfig {
  runForOpenAI: boolean;
  callTimeoutMs: number;
  maxOutputChars: number;
  /** CIDR networks that URLs clients name may reach despite the private-address refusal. */
  allowedNetworks: string[];
  webSearch: { url: string | undefined; maxResults: number };
  codeInterpreter: {
    memoryMb: number;
    timeoutMs: number;
    maxOutputBytes: number;
    idleMinutes: number;
    networkIsolation: 'namespace' | 'none';
  };
}

/** The defaults: every setting a file leaves out. */
export function resolveToolsConfig(file: ToolsConfigFile | undefined, env: NodeJS.ProcessEnv): ToolsConfig {
  return {
    runForOpenAI: file?.run_for_openai ?? false,
    callTimeoutMs: file?.call_timeout_ms ?? 60_000,
    maxOutputChars: file?.max_output_chars ?? 20_000,
    allowedNetworks: file?.allowed_networks ?? [],
    webSearch: {
      url: file?.web_search?.url ?? (env.PORTICO_SEARCH_URL || undefined),
      maxResults: file?.web_search?.max_results ?? 5,
    },
    codeInterpreter: {
      memoryMb: file?.code_interpreter?.memory_mb ?? 256,
      timeoutMs: file?.code_interpreter?.timeout_ms ?? 30_000,
      maxOutputBytes: file?.code_interpreter?.max_output_bytes ?? 64_000,
      idleMinutes: file?.code_interpreter?.idle_minutes ?? 20,
      networkIsolation: file?.code_interpreter?.network_isolation ?? 'namespace',
    },
  };
}
