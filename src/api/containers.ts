import { z } from 'zod';

/** `POST /v1/containers`. */
export const CreateContainerBody = z.strictObject({
  name: z.string().min(1).max(256),
  file_ids: z.array(z.string().min(1).max(128)).max(100).optional(),
  expires_after: z
    .strictObject({
      anchor: z.literal('last_active_at'),
      minutes: z.int().min(1).max(10_080),
    })
    .optional(),
  memory_limit: z.enum(['1g', '4g', '16g', '64g']).optional(),
  skills: z.array(z.unknown()).max(0, 'skills are not supported').optional(),
  network_policy: z.unknown().optional(),
});

/** `POST /v1/containers/{id}/files` with a JSON body: a file of the Files API copied in. */
export const CreateContainerFileBody = z.strictObject({ file_id: z.string().min(1).max(128) });

/** A multipart upload's fields beside its `file` part: none, so a misspelt one is named, as `/v1/files` names it. */
export const ContainerFileFormFields = z.strictObject({});
