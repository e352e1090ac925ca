import { GitError } from '../errors.js';
import type { GitMemo } from './memo.js';
import { oneLine, runGit } from './run-git.js';

/**
 * Bytes of pathspecs per `git ls-tree` call: far below Linux's 2 MB argument limit and its 128 KB
 * for one argument, and enough for a few thousand paths, since each git process costs more to
 * start than to list a few more names.
 */
const PATH_BYTES_PER_CALL = 256 * 1024;

/**
 * Reads many files of one tree with one `git ls-tree` per few thousand paths and a single
 * `git cat-file --batch` by object id, so the cost grows with the number of files asked for (and
 * the folders they are in), not with the repository, and never one process per file. (Asking cat-file for `tree:path` instead
 * makes git walk the tree again for every path: three times slower on a 1,000-file patch.)
 * A path that is absent, or is a directory or submodule there, maps to null. With a memo, what
 * an earlier call listed or read is not asked of git again.
 */
export async function readBlobs(root: string, tree: string, paths: readonly string[], memo?: GitMemo): Promise<Map<string, Buffer | null>> {
  const unique = [...new Set(paths)];
  for (const path of unique) {
    if (/[\n\r\0]/.test(path) || path === '') throw new GitError(`cannot read ${JSON.stringify(path)}: a path with a line break cannot be a repository file here`);
  }
  const oids = await blobIds(root, tree, unique, memo);
  const contents = await catBlobs(root, [...new Set(oids.values())], memo);
  return new Map(unique.map((path) => [path, oids.has(path) ? contents.get(oids.get(path)!)! : null]));
}

async function blobIds(root: string, tree: string, paths: string[], memo: GitMemo | undefined): Promise<Map<string, string>> {
  const oids = new Map<string, string>();
  const entries = await entriesAlong(root, tree, paths, memo);
  for (const path of paths) {
    const entry = entries.get(path);
    if (entry?.type === 'blob') oids.set(path, entry.oid);
  }
  return oids;
}

/**
 * The entries of `tree` at each of `paths` and at every folder on the way to them, whichever
 * exist: what a path's content and its kind (file, link, submodule, and those of its folders)
 * are read from, in one listing where asking for the paths first and then for the folders that
 * turned out not to be folders took two processes one after the other. A folder named as a
 * pathspec also matches its children, so the folders on the way come back one level deep (git
 * reads each of them whole to find the entry anyway), never deeper: the listing grows with the
 * paths asked for and their folders, not with the repository. Reading blobs and looking for links
 * ask the same listing, so with a memo they share one git process.
 */
export async function entriesAlong(root: string, tree: string, paths: readonly string[], memo?: GitMemo): Promise<Map<string, TreeEntry>> {
  const pathspecs = new Set<string>();
  for (const path of paths) {
    const parts = path.split('/');
    // A path of unusual shape ("a//b") is listed only as itself: its "folders" are no paths.
    if (!parts.includes('')) for (let i = 1; i < parts.length; i++) pathspecs.add(parts.slice(0, i).join('/'));
    pathspecs.add(path);
  }
  return new Map((await listTree(root, tree, [...pathspecs], ['-t'], memo)).map((entry) => [entry.path, entry]));
}

export interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
  path: string;
}

/**
 * `git ls-tree -z --full-tree <flags> tree -- <paths>`, in as few calls as the command line allows.
 * Literal pathspecs: a path like "src/*.ts" from a model must not glob.
 */
export function listTree(root: string, tree: string, paths: readonly string[], flags: readonly string[], memo?: GitMemo): Promise<TreeEntry[]> {
  if (memo === undefined) return listTreeNow(root, tree, paths, flags);
  // The listing does not depend on the order the paths are named in.
  return memo.once(['ls-tree', root, tree, flags.join(' '), ...[...new Set(paths)].sort()], () => listTreeNow(root, tree, paths, flags));
}

async function listTreeNow(root: string, tree: string, paths: readonly string[], flags: readonly string[]): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  for (const batch of batches(paths)) {
    const args = ['--literal-pathspecs', 'ls-tree', ...flags, '-z', '--full-tree', tree, '--', ...batch];
    const result = await runGit(args, { cwd: root });
    if (result.exitCode !== 0) throw new GitError(`cannot list files of ${tree.slice(0, 12)} in ${root}: ${oneLine(result.stderr)}`);
    for (const entry of result.stdout.toString('utf8').split('\0')) {
      const match = /^(\d{6}) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(entry);
      if (match) entries.push({ mode: match[1]!, type: match[2]!, oid: match[3]!, path: match[4]! });
    }
  }
  return entries;
}

function batches(paths: readonly string[]): string[][] {
  const out: string[][] = [];
  let size = Infinity;
  for (const path of paths) {
    if (size + Buffer.byteLength(path) + 1 > PATH_BYTES_PER_CALL) {
      out.push([]);
      size = 0;
    }
    out[out.length - 1]!.push(path);
    size += Buffer.byteLength(path) + 1;
  }
  return out;
}

async function catBlobs(root: string, oids: string[], memo: GitMemo | undefined): Promise<Map<string, Buffer>> {
  if (memo === undefined) return catBlobsNow(root, oids);
  const key = (oid: string) => ['blob', root, oid];
  // The objects not read before, in one git process; each then answers for its own id.
  const missing = oids.filter((oid) => !memo.has(key(oid)));
  const read = missing.length > 0 ? catBlobsNow(root, missing) : null;
  const contents = await Promise.all(oids.map((oid) => memo.once(key(oid), async () => (await read!).get(oid)!)));
  return new Map(oids.map((oid, i) => [oid, contents[i]!]));
}

async function catBlobsNow(root: string, oids: string[]): Promise<Map<string, Buffer>> {
  const contents = new Map<string, Buffer>();
  if (oids.length === 0) return contents;
  const result = await runGit(['cat-file', '--batch', '--buffer'], { cwd: root, input: oids.map((oid) => `${oid}\n`).join('') });
  if (result.exitCode !== 0) throw new GitError(`cannot read objects in ${root}: ${oneLine(result.stderr)}`);
  const out = result.stdout;
  let at = 0;
  for (const oid of oids) {
    const end = out.indexOf(0x0a, at);
    const match = end < 0 ? null : /^[0-9a-f]+ blob (\d+)$/.exec(out.subarray(at, end).toString('utf8'));
    if (!match) throw new GitError(`git cat-file could not read object ${oid} in ${root}: the repository may be damaged (run \`git fsck\`)`);
    const size = Number(match[1]);
    contents.set(oid, out.subarray(end + 1, end + 1 + size));
    at = end + 1 + size + 1;
  }
  return contents;
}
