import { z } from 'zod';

/** What a file is for, as OpenAI names it. */
export const FILE_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'] as const;
export type FilePurpose = (typeof FILE_PURPOSES)[number];

/** Files uploaded for batches expire after 30 days unless told otherwise, as OpenAI's do. */
export const BATCH_FILE_SECONDS = 30 * 24 * 3600;

/** The form fields of `POST /v1/files` beside `file` (bracketed names already nested). */
export const UploadFileFields = z.strictObject({
  purpose: z.enum(FILE_PURPOSES, { error: `purpose must be one of ${FILE_PURPOSES.join(', ')}` }),
  expires_after: z
    .strictObject({
      anchor: z.literal('created_at', { error: "the only anchor is 'created_at'" }),
      seconds: z.coerce
        .number()
        .int()
        .min(3600, 'at least 3600 (one hour)')
        .max(BATCH_FILE_SECONDS, 'at most 2592000 (30 days)'),
    })
    .optional(),
});
