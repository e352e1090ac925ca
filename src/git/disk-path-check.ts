/**
 * What is on disk along a path a patch writes, asked of the file system itself. `git apply --index`
 * judges paths by the index alone: an untracked or ignored symbolic link `data -> /elsewhere` is
 * invisible there, and a patch adding `data/new.sh` would be written through it, outside the
 * repository. So every component is looked at with lstat, from the repository root down.
 */
import { lstatSync, type Stats } from 'node:fs';
import path from 'node:path';

/**
 * Why `file` (repository-relative, '/'-separated, already checked by checkPatchPath) must not be
 * written in the working tree at `root`, or null. A folder on the way that does not exist yet is
 * fine: git creates it, inside the repository. `deleted` are the files the same patch deletes: a
 * regular file among them may stand where the patch puts a folder (`a` replaced by `a/b`), and a
 * folder holding one of them where the patch puts a file (`a/b` replaced by `a`); git replaces
 * them, checking the rest itself.
 */
export function workingTreePathRefusal(root: string, file: string, deleted: ReadonlySet<string> = new Set()): string | null {
  const parts = file.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const here = parts.slice(0, i).join('/');
    const last = i === parts.length;
    let stat: Stats;
    try {
      stat = lstatSync(path.join(root, ...parts.slice(0, i)));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null;
      return `${file}: cannot check ${here} in the working tree (${code ?? String(error)}), so it is not written`;
    }
    if (stat.isSymbolicLink()) {
      return last
        ? `${file} is a symbolic link in the working tree (it may lead outside the repository): only regular files are changed`
        : `${file} goes through ${here}, a symbolic link in the working tree (it may lead outside the repository): not written`;
    }
    // The patch deletes this file and creates the folder in its place: nothing below exists yet.
    if (!last && stat.isFile() && deleted.has(here)) return null;
    if (!last && !stat.isDirectory()) return `${file} goes through ${here}, which is not a folder in the working tree: not written`;
    if (last && stat.isDirectory() && [...deleted].some((gone) => gone.startsWith(`${here}/`))) return null;
    if (last && !stat.isFile()) return `${file} is not a regular file in the working tree (${stat.isDirectory() ? 'a folder' : 'a special file'}): not written`;
  }
  return null;
}

/** The first refusal among `files`, in the order given, or null. */
export function workingTreePathsRefusal(root: string, files: readonly string[], deleted: ReadonlySet<string> = new Set()): string | null {
  for (const file of files) {
    const refusal = workingTreePathRefusal(root, file, deleted);
    if (refusal !== null) return refusal;
  }
  return null;
}
