import fs from 'node:fs';

/** The fields of /proc/<pid>/stat that querygate reads. */
export interface ProcStat {
  /** The executable's name, as the kernel keeps it (may hold spaces and parentheses). */
  comm: string;
  state: string;
  ppid: number;
  /** Start time in clock ticks since boot (field 22): with the pid, a process's identity. */
  startTime: string;
}

/** /proc/<pid>/stat of a live process, or null when it is gone, a zombie or dead. */
export function readProcStat(pid: number): ProcStat | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // comm is parenthesized and may itself hold ") ": the fields start after the last one.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  const state = fields[0] ?? '?';
  if (state === 'Z' || state === 'X' || state === 'x') return null;
  return { comm: stat.slice(stat.indexOf('(') + 1, close), state, ppid: Number(fields[1]), startTime: fields[19] ?? '' };
}
