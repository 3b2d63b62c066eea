import { readdirSync, readFileSync } from 'node:fs';

/**
 * A process's resident memory in bytes (VmRSS in /proc/<pid>/status: its heap, array buffers,
 * WebAssembly memory and mapped code, all it holds in RAM), as the kernel counts it; undefined
 * where it cannot be read (the process ended, or no /proc).
 */
export function residentBytes(pid: number): number | undefined {
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** The children of a process, by /proc (its task's `children`, else a walk over every process). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    // A kernel without CONFIG_PROC_CHILDREN.
  }
  const children: number[] = [];
  for (const entry of safeList('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // Ended while we looked.
    }
  }
  return children;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
