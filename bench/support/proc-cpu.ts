import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name, which is in parentheses and may hold spaces. */
function statFields(pid: number | 'self'): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

const micros = (ticks: number) => (ticks * 1_000_000) / TICKS_PER_SECOND;

/** CPU time (user + system) a process has used so far, in microseconds, from /proc (Linux). */
export function cpuMicros(pid: number): number {
  const fields = statFields(pid);
  return micros(Number(fields[11]) + Number(fields[12]));
}

/**
 * CPU time (user + system) of this process's children that have ended and been waited for
 * (a `wrk` run through execFile, say), in microseconds.
 */
export function endedChildrenCpuMicros(): number {
  const fields = statFields('self');
  return micros(Number(fields[13]) + Number(fields[14]));
}
