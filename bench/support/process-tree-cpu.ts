import { readdirSync, readFileSync } from 'node:fs';
import { cpuMicros } from './proc-cpu.ts';

/** The parent of every process on the machine, from /proc (Linux). */
function parents(): Map<number, number> {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  return parentOf;
}

/** `pid` and every process below it (a server's workers), as they are now. */
export function processTree(pid: number): number[] {
  const parentOf = parents();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++)
    for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  return tree;
}

/** CPU time (user + system) the processes have used so far, in microseconds; ended ones count 0. */
export function treeCpuMicros(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += cpuMicros(pid);
    } catch {
      // Gone: its time is no longer readable.
    }
  }
  return total;
}

/** Resident memory of the processes together, in bytes, from /proc/<pid>/status. */
export function treeRssBytes(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    total += Number(match?.[1] ?? 0) * 1024;
  }
  return total;
}
