import type OpenAI from 'openai';
import type { GatewayUnderTest } from './gateway-server.ts';

/**
 * The `authorization` headers of an admin key and of each project's key (made while the loopback user is still the admin) and one SDK client per
 * project, each with a key of its own: for tests of what one project may see of another's.
 */
export async function projectClients(
  gateway: GatewayUnderTest,
  projects: readonly string[],
): Promise<{
  admin: Record<string, string>;
  clients: Record<string, OpenAI>;
  headers: Record<string, Record<string, string>>;
}> {
  const admin = await gateway.request('POST', '/v1/keys', { name: 'admin', scopes: { admin: true } });
  const bearer = { authorization: `Bearer ${admin.json.key as string}` };
  const clients: Record<string, OpenAI> = {};
  const headers: Record<string, Record<string, string>> = {};
  for (const project of projects) {
    const created = await gateway.request('POST', '/v1/keys', { name: project, project }, bearer);
    clients[project] = gateway.client(created.json.key as string);
    headers[project] = { authorization: `Bearer ${created.json.key as string}` };
  }
  return { admin: bearer, clients, headers };
}
