import path from 'node:path';

/**
 * A path to give back to the person, so it opens from where they are: relative to the current
 * folder when it is below it, else absolute (a `../../` chain is harder to read than the path).
 */
export function shownPath(cwd: string, absolute: string): string {
  const relative = path.relative(cwd, absolute);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative;
}

/** A file of a run (a path relative to its folder), as shownPath gives it. */
export function shownRunPath(cwd: string, runDir: string, rel: string): string {
  return shownPath(cwd, path.join(runDir, rel));
}
