/**
 * The fast stand-in upstream as a process of its own, so it can be pinned away from the servers
 * measured: `node --import tsx bench/support/fast-upstream-process.ts <deltas>` prints its URL.
 */
import { startUpstream } from './fast-upstream.ts';

const upstream = await startUpstream(Number(process.argv[2] ?? 20));
process.stdout.write(`${upstream.url}\n`);
