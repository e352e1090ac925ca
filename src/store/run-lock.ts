import { closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { WorkflowError } from '../errors.js';
import { isNoSpace, NoSpaceError } from './write-whole.js';

export const LOCK_FILE = '.lock';

export interface LockHolder {
  pid: number;
  command: string;
  since: string;
  host: string;
}

export interface HeldLock {
  /** Removes the lock if this process still holds it; safe to call more than once. */
  release(): void;
  /** Set when a lock left by a process that is gone was taken over. */
  tookOver: LockHolder | null;
}

/** Locks this process holds, so a nested command on the same run does not lock itself out. */
const held = new Map<string, number>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function readHolder(file: string): LockHolder | null {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof value.pid === 'number' && typeof value.command === 'string' && typeof value.since === 'string') {
      return { pid: value.pid, command: value.command, since: value.since, host: typeof value.host === 'string' ? value.host : '' };
    }
  } catch {
    // unreadable or half-written: treated below
  }
  return null;
}

/**
 * Who is at work on the run right now: the holder of its lock if that process is alive (or on
 * another host, where it cannot be asked), else null. Never this process. Only reads.
 */
export function liveLockHolder(runDir: string): LockHolder | null {
  const holder = readHolder(path.join(runDir, LOCK_FILE));
  if (holder === null || (holder.pid === process.pid && (holder.host === '' || holder.host === hostname()))) return null;
  if (holder.host !== '' && holder.host !== hostname()) return holder;
  return alive(holder.pid) ? holder : null;
}

/**
 * One command at a time per run: `<run>/.lock`, created with O_EXCL, holds who has it. A lock whose
 * process is gone (same host, pid not alive) — a crash or SIGKILL — is taken over and reported
 * through `tookOver`; a live one is a WorkflowError "run is busy". Released on return and when the
 * process exits (process.exit after a signal included), after `beforeAbruptExit` when the process
 * exits while the lock is held.
 */
export function acquireRunLock(runDir: string, command: string, now: Date, beforeAbruptExit?: () => void): HeldLock {
  const file = path.join(runDir, LOCK_FILE);
  const count = held.get(file);
  if (count !== undefined) {
    held.set(file, count + 1);
    return { tookOver: null, release: once(() => held.set(file, (held.get(file) ?? 1) - 1)) };
  }
  const me: LockHolder = { pid: process.pid, command, since: now.toISOString(), host: hostname() };
  let tookOver: LockHolder | null = null;
  for (let tries = 0; ; tries++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      try {
        writeSync(fd, JSON.stringify(me) + '\n');
        fsyncSync(fd);
      } catch (error) {
        // A lock without its holder would make the next command take it over as a crash's.
        unlinkSync(file);
        throw error;
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if (isNoSpace(error)) throw new NoSpaceError(runDir, (error as NodeJS.ErrnoException).code!, { cause: error });
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || tries >= 3) throw error;
    }
    const holder = readHolder(file);
    if (holder === null) {
      // A lock file without a holder: a crash between create and write. Taken over like a dead one.
      tookOver = { pid: 0, command: 'unknown', since: 'unknown', host: '' };
    } else if (holder.host !== '' && holder.host !== me.host) {
      throw new WorkflowError(`run is busy: ${holder.command} since ${holder.since} (pid ${holder.pid} on host ${holder.host}); if that process is gone, delete ${file}`);
    } else if (alive(holder.pid)) {
      throw new WorkflowError(`run is busy: ${holder.command} since ${holder.since} (pid ${holder.pid}); wait for it to finish`);
    } else {
      tookOver = holder;
    }
    try {
      unlinkSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  held.set(file, 1);
  // The process ending while the command holds the lock (a second Ctrl-C, SIGTERM): the command's
  // last word is said while the lock still keeps others out.
  const onExit = (): void => {
    try {
      beforeAbruptExit?.();
    } finally {
      remove();
    }
  };
  const remove = once(() => {
    held.delete(file);
    process.removeListener('exit', onExit);
    const holder = readHolder(file);
    if (holder?.pid === process.pid) {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
  });
  process.on('exit', onExit);
  return {
    tookOver,
    release: () => {
      const left = (held.get(file) ?? 1) - 1;
      if (left > 0) held.set(file, left);
      else remove();
    },
  };
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
