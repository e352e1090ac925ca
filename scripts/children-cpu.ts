import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * CPU time (user + system, ms) of this process's children that have exited and been waited for,
 * with the processes they started (git's under a command), from /proc/self/stat: Linux only, in
 * clock ticks (10 ms); null where /proc is not.
 */
export function childrenCpuMs(): number | null {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces: cutime and cstime are the 14th and 15th.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
