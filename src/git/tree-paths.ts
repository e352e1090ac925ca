/**
 * What a path is in a tree (a file, a folder, a symbolic link, a submodule), asked of git's tree
 * objects: the facts a path policy needs about a patch's paths, without a working tree.
 */
import type { GitMemo } from './memo.js';
import { entriesAlong, type TreeEntry } from './read-blobs.js';
import { gitFailed, runGit } from './run-git.js';

export type PathKind = 'file' | 'dir' | 'symlink' | 'submodule';

function kindOf(entry: { mode: string; type: string }): PathKind {
  if (entry.type === 'tree') return 'dir';
  if (entry.type === 'commit') return 'submodule';
  return entry.mode === '120000' ? 'symlink' : 'file';
}

/** The kind of each of `paths` in `tree` (null: absent, or under a file), read through the memo's one reader. */
export async function pathKinds(root: string, tree: string, paths: readonly string[], memo: GitMemo): Promise<Map<string, PathKind | null>> {
  const plain = paths.filter((file) => file !== '' && !/[\0\n\r]/.test(file) && !file.split('/').includes(''));
  const entries = await entriesAlong(root, tree, plain, memo);
  return new Map(
    paths.map((file): [string, PathKind | null] => {
      const entry = entries.get(file);
      return [file, entry === undefined ? null : kindOf(entry)];
    }),
  );
}

async function lsTree(root: string, tree: string, path: string): Promise<{ mode: string; type: string; sha: string } | null> {
  const clean = path.replace(/\/+$/, '');
  if (clean === '' || path.includes('\0')) return null;
  // Literal pathspecs: a path like "src/*.ts" from a model must not glob.
  const result = await runGit(['--literal-pathspecs', 'ls-tree', '-z', '--full-tree', tree, '--', clean], { cwd: root });
  if (result.exitCode !== 0) throw gitFailed(`cannot list ${tree.slice(0, 12)} in ${root}`, result.stderr);
  for (const entry of result.stdout.toString('utf8').split('\0')) {
    const m = /^(\d{6}) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(entry);
    if (m && m[4] === clean) return { mode: m[1] as string, type: m[2] as string, sha: m[3] as string };
  }
  return null;
}

export async function pathKindAt(root: string, tree: string, path: string): Promise<PathKind | null> {
  const entry = await lsTree(root, tree, path);
  return entry === null ? null : kindOf(entry);
}

/**
 * The paths among `files` that are, or lead through, a symbolic link or a submodule in `tree`:
 * the only ones a path policy can refuse for what the tree holds. Read from the tree objects on
 * the way, each once, where asking about each path and each of its folders starts a git process
 * per name (minutes on a 1,000-file patch). A path of unusual shape is returned, to be looked at alone.
 */
export async function linkedPaths(root: string, tree: string, files: readonly string[], memo?: GitMemo): Promise<string[]> {
  const plain = files.filter((file) => file !== '' && !file.includes('\0') && !file.split('/').includes(''));
  const ordinary = new Set(plain);
  const listed = await entriesAlong(root, tree, plain, memo);
  return files.filter((file) => {
    if (!ordinary.has(file)) return true;
    // The first part of the path that is not a folder decides: absent, the rest does not exist yet.
    const parts = file.split('/');
    for (let i = 1; i < parts.length; i++) {
      const entry = listed.get(parts.slice(0, i).join('/'));
      if (entry?.type !== 'tree') return isLinkOrSubmodule(entry);
    }
    return isLinkOrSubmodule(listed.get(file));
  });
}

function isLinkOrSubmodule(entry: TreeEntry | undefined): boolean {
  return entry !== undefined && (entry.mode === '120000' || entry.type === 'commit');
}

/** The blob at `path` in `tree` (a symlink's target text), or null when absent or a directory/submodule. */
export async function readFileAt(root: string, tree: string, path: string): Promise<Buffer | null> {
  const entry = await lsTree(root, tree, path);
  if (!entry || entry.type !== 'blob') return null;
  const result = await runGit(['cat-file', 'blob', entry.sha], { cwd: root });
  if (result.exitCode !== 0) throw gitFailed(`cannot read ${path} from ${tree.slice(0, 12)} in ${root}`, result.stderr);
  return result.stdout;
}
