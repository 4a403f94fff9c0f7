import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

// CPU time a process has used, from /proc (Linux). Per request it barely moves when a
// noisy neighbour slows the machine down, unlike req/s, so two runs can be compared on it.

let ticksPerSec: number | undefined;

/** USER_HZ, the unit of /proc/<pid>/stat: 100 on nearly every Linux, but getconf knows for sure. */
function clockTicksPerSec(): number {
  if (ticksPerSec === undefined) {
    let n = Number.NaN;
    try {
      n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      // No getconf: fall back to the usual value.
    }
    ticksPerSec = Number.isInteger(n) && n > 0 ? n : 100;
  }
  return ticksPerSec;
}

/** utime + stime (fields 14 and 15), in clock ticks, from the text of /proc/<pid>/stat. */
export function cpuTicks(stat: string): number {
  // Field 2 is the command name in parentheses, which may itself hold spaces and ')': count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) throw new Error(`no utime/stime in "${stat.slice(0, 80)}"`);
  return utime + stime;
}

/** CPU seconds (user + system) the whole process has used, V8's and libuv's helper threads included; undefined where /proc cannot tell. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    return cpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) / clockTicksPerSec();
  } catch {
    return undefined;
  }
}

/** CPU seconds between two readings; undefined when either is. */
export function cpuBetween(before: number | undefined, after: number | undefined): number | undefined {
  return before === undefined || after === undefined ? undefined : after - before;
}
