import { GitError } from '../errors.js';
import { oneLine, runGit } from './run-git.js';

/**
 * Reads many files of one tree with a single `git cat-file --batch`, so the cost grows with the
 * number of files asked for, not with the repository, and not one process per file.
 * A path that is absent, or is a directory or submodule there, maps to null.
 */
export async function readBlobs(root: string, tree: string, paths: readonly string[]): Promise<Map<string, Buffer | null>> {
  const result = new Map<string, Buffer | null>();
  const unique = [...new Set(paths)];
  if (unique.length === 0) return result;
  for (const path of unique) {
    if (/[\n\r\0]/.test(path) || path === '') throw new GitError(`cannot read ${JSON.stringify(path)}: a path with a line break cannot be a repository file here`);
  }
  const input = unique.map((path) => `${tree}:${path}\n`).join('');
  const run = await runGit(['cat-file', '--batch'], { cwd: root, input });
  if (run.exitCode !== 0) throw new GitError(`cannot read files of ${tree.slice(0, 12)} in ${root}: ${oneLine(run.stderr)}`);
  const out = run.stdout;
  let at = 0;
  for (const path of unique) {
    const end = out.indexOf(0x0a, at);
    if (end < 0) throw new GitError(`git cat-file stopped early while reading ${path}`);
    const header = out.subarray(at, end).toString('utf8');
    at = end + 1;
    const match = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (!match) {
      // "<request> missing" or "<request> ambiguous": nothing follows the header.
      result.set(path, null);
      continue;
    }
    const size = Number(match[2]);
    result.set(path, match[1] === 'blob' ? Buffer.from(out.subarray(at, at + size)) : null);
    at += size + 1;
  }
  return result;
}
