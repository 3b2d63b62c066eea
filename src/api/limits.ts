/** Cloudflare keeps the first five metadata entries of a request and drops the rest. */
export const MAX_METADATA_ENTRIES = 5;
export const MAX_METADATA_VALUE_LENGTH = 512;

/**
 * Every bound Portico puts on what a client sends, in one place (docs/limits.md lists them).
 * Each is checked where the data enters, before anything walks it, and a request over one is
 * a 400 (413 for the body) naming what is too big.
 */
export const LIMITS = {
  /** Request body bytes, counted as they arrive: OpenAI allows 10 MiB strings in `input`, with room for the rest. */
  bodyBytes: 64 * 1024 * 1024,
  /** Nesting of arrays and objects in a request: deep enough for any real schema, shallow enough for every recursive walk. */
  jsonDepth: 128,
  /** Items in `input` (messages in a chat request). */
  inputItems: 10_000,
  /** Content parts of one message or tool output. */
  contentParts: 1_000,
  /** Characters of an id a client names (an input item's own, `previous_response_id`, `conversation`): Portico's own are ~50. */
  idChars: 256,
  /** Values in `include` (there are eight to ask for; a repeat is allowed). */
  includeValues: 64,
  /** Tools in one request, as OpenAI allows functions. */
  tools: 128,
  /** Values (objects, arrays, strings, numbers, ...) in one JSON schema: a tool's parameters or a response format. */
  schemaNodes: 50_000,
  /** Object properties in all in one schema, as OpenAI documents for strict schemas. */
  schemaProperties: 5_000,
  /** Enum values in all in one schema, as OpenAI documents for strict schemas. */
  schemaEnumValues: 1_000,
  /** Characters of a custom tool's grammar definition. */
  grammarChars: 100_000,
  /** Bytes of one uploaded file (`/v1/files`); the upload's body may add a little for its form fields. */
  fileBytes: 64 * 1024 * 1024,
  /**
   * Bytes of Portico's files one response's model turn carries inline (each `file_id` resolved
   * to its bytes, the history's included): as much as a request's body may carry itself.
   */
  inlinedFileBytes: 64 * 1024 * 1024,
  /**
   * Bytes of one upstream answer, streamed or whole: far above any real one (a 128k-token
   * stream is ~30 MB, 2,048 embeddings of 3,072 floats ~125 MB), far below what would exhaust
   * memory when an upstream never stops.
   */
  upstreamAnswerBytes: 256 * 1024 * 1024,
  /**
   * Characters a model may write into one response (text, refusal, reasoning, tool input): ~250
   * times a 128k-token answer, and low enough that every copy of it the response's events and
   * JSON hold, escaped, stays within V8's longest string (~536 million characters). Past it,
   * a 176 MiB answer failed mid-stream as a string too long to make, and the connection dropped.
   */
  outputChars: 32 * 1024 * 1024,
  /** Dynamic routes one gateway holds. */
  routesPerGateway: 32,
  /** Elements of one dynamic route. */
  routeElements: 64,
  /** Versions a dynamic route keeps (the newest; the deployed one is kept whatever its age). */
  routeVersions: 50,
  /** Deployments a dynamic route's history keeps (the newest). */
  routeDeployments: 100,
  /** Nesting of `$and` / `$or` in one route condition. */
  routeConditionDepth: 4,
  /** Fields and operators in one route condition, in all (the values of `$in` included). */
  routeConditionTerms: 256,
  /** Requests in one Workers AI batch (`queueRequest`): each becomes a background response. */
  batchRequests: 1_000,
  /** Bytes of one Workers AI batch's `{requests}` as JSON, as Cloudflare bounds its payload. */
  batchBytes: 10 * 1024 * 1024,
  /** Characters of a batch request's `external_reference`. */
  externalReferenceChars: 1_000,
  /** Characters of a client-sent value quoted back in an error message. */
  echoedChars: 64,
  /** Characters of an error message (an upstream's included) sent to a client. */
  messageChars: 1_000,
} as const;

/** Logs one gateway may be set to keep (`log_limit.max_logs`): Cloudflare's most a gateway stores. */
export const MAX_GATEWAY_LOGS = 10_000_000;

/** Attempts of one request, retries included (Cloudflare's limit), wherever they are set. */
export const MAX_ATTEMPTS = 5;

/** A client value as an error message quotes it: cut short, with how much was left out. */
export function clip(value: string, max: number = LIMITS.echoedChars): string {
  if (value.length <= max) return value;
  return `${value.slice(0, max)}…(${value.length - max} more characters)`;
}
