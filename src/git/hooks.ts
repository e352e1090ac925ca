/**
 * Where the repository keeps hooks that a commit runs, as far as a patch could change them:
 * `core.hooksPath` when it lies inside the working tree, and `.husky/` (husky points
 * core.hooksPath at `.husky/_`, whose scripts run `.husky/<hook>`, so the files a person edits
 * live one folder up). `.git/hooks` is not listed: no patch may touch `.git/` at all.
 */
import path from 'node:path';
import { runGit } from './run-git.js';

/** Hook folders relative to the repository root, '/'-separated; '' when core.hooksPath is the root itself. */
export async function hookFolders(root: string): Promise<string[]> {
  const folders = new Set(['.husky']);
  // --type=path expands `~/`; a relative value is relative to the top of the working tree.
  const result = await runGit(['config', '--type=path', '--get', 'core.hooksPath'], { cwd: root });
  const value = result.stdout.toString('utf8').trim();
  if (result.exitCode === 0 && value !== '') {
    const relative = path.relative(root, path.resolve(root, value));
    if (!relative.startsWith('..') && !path.isAbsolute(relative)) folders.add(relative.split(path.sep).join('/'));
  }
  return [...folders].sort();
}

/** The files among `files` that a commit could run as hooks, given `folders` from hookFolders. */
export function hookFilesAmong(files: readonly string[], folders: readonly string[]): string[] {
  // Case-insensitive, like the `.git/` rule: on macOS `.HUSKY/pre-commit` is `.husky/pre-commit`.
  const lower = folders.map((folder) => folder.toLowerCase());
  return [...new Set(files)]
    .filter((file) => {
      const name = file.toLowerCase();
      // With the root as hooks folder, git runs only the files directly in it.
      return lower.some((folder) => (folder === '' ? !name.includes('/') : name.startsWith(`${folder}/`)));
    })
    .sort();
}
