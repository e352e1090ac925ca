import { existsSync, lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The working tree as a person sees it, read only: which path a name they typed resolves to, and
 * what a file there holds. The core decides what may be context or a patch target; git's view of
 * the same files is src/git/'s.
 */

/** The path through every symbolic link, or null when it does not exist. */
export function realPath(file: string): string | null {
  try {
    return realpathSync(file);
  } catch {
    return null;
  }
}

export function pathExists(file: string): boolean {
  return existsSync(file);
}

/** A regular file (after symbolic links). */
export function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A repository path (`/`-separated) that is a regular file in the working tree itself, not a link. */
export function isWorkingFile(repoRoot: string, file: string): boolean {
  try {
    return lstatSync(path.join(repoRoot, ...file.split('/'))).isFile();
  } catch {
    return false;
  }
}

/** The bytes of a repository path in the working tree, or null when there is none. */
export function readWorkingFile(repoRoot: string, file: string): Buffer | null {
  try {
    return readFileSync(path.join(repoRoot, ...file.split('/')));
  } catch {
    return null;
  }
}

/** The path with the longest existing prefix resolved through symbolic links. */
export function realExistingPath(file: string): string {
  const resolved = path.resolve(file);
  const rest: string[] = [];
  for (let current = resolved; ; ) {
    const real = realPath(current);
    if (real !== null) return path.join(real, ...rest);
    const parent = path.dirname(current);
    if (parent === current) return resolved;
    rest.unshift(path.basename(current));
    current = parent;
  }
}
