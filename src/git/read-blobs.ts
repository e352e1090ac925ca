import { GitError } from '../errors.js';
import { withGitMemo, type GitMemo } from './memo.js';

/**
 * Reads many files of one tree through one `git cat-file --batch` (the memo's reader): the tree
 * objects on the way to each path, each read once, then the blobs by object id, all asked at
 * once. The cost grows with the number of files asked for and the folders they are in, not with
 * the repository, and never one process per file. (Asking cat-file for `tree:path` instead
 * makes git walk the tree again for every path: three times slower on a 1,000-file patch.)
 * A path that is absent, or is a directory or submodule there, maps to null. With a memo, what
 * an earlier call read is not asked of git again.
 */
export function readBlobs(
  root: string,
  tree: string,
  paths: readonly string[],
  memo?: GitMemo,
  /** keep: false when no later call of the memo reads the same contents: the memo does not hold them, so the caller can let each go. */
  options: { keep: boolean } = { keep: true },
): Promise<Map<string, Buffer | null>> {
  const unique = [...new Set(paths)];
  for (const path of unique) {
    if (/[\n\r\0]/.test(path) || path === '') {
      return Promise.reject(new GitError(`cannot read ${JSON.stringify(path)}: a path with a line break cannot be a repository file here`));
    }
  }
  return withGitMemo(memo, async (m) => {
    const each = await readBlobsAsTheyCome(root, tree, unique, m, options);
    const read = [...each].map(async ([path, content]): Promise<[string, Buffer | null]> => [path, content === null ? null : await content]);
    return new Map(await Promise.all(read));
  });
}

/**
 * readBlobs with each content handed out as git sends it: settles once the tree objects on the
 * way tell which paths are files (a promise of its content for each, null for the others), so a
 * caller can work on the first files while git still sends the rest. Each promise is the caller's
 * to await (one that fails is not reported unhandled meanwhile); readBlobs is all of them awaited.
 */
export async function readBlobsAsTheyCome(
  root: string,
  tree: string,
  paths: readonly string[],
  memo: GitMemo,
  options: { keep: boolean } = { keep: true },
): Promise<Map<string, Promise<Buffer> | null>> {
  const unique = [...new Set(paths)];
  for (const path of unique) {
    if (/[\n\r\0]/.test(path) || path === '') {
      throw new GitError(`cannot read ${JSON.stringify(path)}: a path with a line break cannot be a repository file here`);
    }
  }
  const entries = await entriesAlong(root, tree, unique, memo);
  return new Map(
    unique.map((path): [string, Promise<Buffer> | null] => {
      const entry = entries.get(path);
      if (entry?.type !== 'blob') return [path, null];
      const content = options.keep ? blob(root, entry.oid, memo) : readBlob(root, entry.oid, memo);
      content.catch(() => {});
      return [path, content];
    }),
  );
}

function blob(root: string, oid: string, memo: GitMemo): Promise<Buffer> {
  return memo.once(['blob', root, oid], () => readBlob(root, oid, memo));
}

async function readBlob(root: string, oid: string, memo: GitMemo): Promise<Buffer> {
  const object = await memo.read(root, oid);
  if (object === null || object.type !== 'blob') {
    throw new GitError(`git cat-file could not read object ${oid} in ${root}: the repository may be damaged (run \`git fsck\`)`);
  }
  return object.content;
}

export interface TreeEntry {
  /** Six octal digits, as `git ls-tree` prints them: 100644, 100755, 120000 (link), 040000, 160000. */
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  oid: string;
  path: string;
}

/**
 * The entries of `tree` (a tree or a commit) at each of `paths` and at every folder on the way to
 * them, whichever exist: what a path's content and its kind (file, link, submodule, and those of
 * its folders) are read from. Each tree object on the way is read once, so reading blobs and
 * looking for links share the work; the walk stops at the first part of a path that is no folder.
 */
export function entriesAlong(root: string, tree: string, paths: readonly string[], memo?: GitMemo): Promise<Map<string, TreeEntry>> {
  return withGitMemo(memo, async (m) => {
    const found = new Map<string, TreeEntry>();
    const top = await treeOf(root, tree, m);
    if (top === null) throw new GitError(`cannot list files of ${tree.slice(0, 12)} in ${root}: not a tree or commit there`);
    // Each folder asked of the memo once per call, not once per path under it.
    const folders = new Map<string, Promise<Map<string, Omit<TreeEntry, 'path'>>>>();
    const entriesOf = (oid: string): Promise<Map<string, Omit<TreeEntry, 'path'>>> => {
      let entries = folders.get(oid);
      if (entries === undefined) {
        entries = treeEntries(root, oid, m);
        folders.set(oid, entries);
      }
      return entries;
    };
    await Promise.all(
      paths.map(async (path) => {
        const parts = path.split('/');
        // A path of unusual shape ("a//b") names no entry: git's trees hold no empty names.
        if (parts.includes('')) return;
        let folder = top;
        let at = '';
        for (const name of parts) {
          const entry = (await entriesOf(folder)).get(name);
          if (entry === undefined) return;
          at = at === '' ? name : `${at}/${name}`;
          found.set(at, { ...entry, path: at });
          if (entry.type !== 'tree') return;
          folder = entry.oid;
        }
      }),
    );
    return found;
  });
}

/**
 * What `git diff-tree -r --no-renames from to` reports, read from the tree objects instead of a
 * git process of its own: each changed path that is no folder, in git's order, with its object id
 * in `to` (all zeros when deleted). Folders whose ids are equal are not opened.
 */
export function changedPaths(root: string, from: string, to: string, memo: GitMemo): Promise<Map<string, string>> {
  return memo.once(['changed', root, from, to], async () => {
    const changed = new Map<string, string>();
    const walk = async (a: string | null, b: string | null, prefix: string): Promise<void> => {
      const [before, after] = await Promise.all([a === null ? null : treeEntries(root, a, memo), b === null ? null : treeEntries(root, b, memo)]);
      // git orders a folder as if its name ended in '/': a file and a folder of one name are two
      // entries. Only the entries that differ are keyed and sorted: a folder of many files where
      // one changed costs one pass, not a sort of all its names.
      const differing = new Map<string, { name: string; old?: Omit<TreeEntry, 'path'>; now?: Omit<TreeEntry, 'path'> }>();
      const key = (name: string, entry: Omit<TreeEntry, 'path'>) => (entry.type === 'tree' ? `${name}/` : name);
      const same = (x: Omit<TreeEntry, 'path'> | undefined, y: Omit<TreeEntry, 'path'>) => x !== undefined && x.oid === y.oid && x.mode === y.mode;
      for (const [name, entry] of before ?? []) {
        if (!same(after?.get(name), entry)) differing.set(key(name, entry), { name, old: entry });
      }
      for (const [name, entry] of after ?? []) {
        if (same(before?.get(name), entry)) continue;
        const slot = differing.get(key(name, entry));
        if (slot) slot.now = entry;
        else differing.set(key(name, entry), { name, now: entry });
      }
      const keys = [...differing.keys()].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      for (const k of keys) {
        const { name, old, now } = differing.get(k)!;
        const path = prefix + name;
        if ((old ?? now)!.type === 'tree') await walk(old?.oid ?? null, now?.oid ?? null, `${path}/`);
        else changed.set(path, now?.oid ?? '0'.repeat(old!.oid.length));
      }
    };
    await walk(from, to, '');
    return changed;
  });
}

/** Whether `root` has the commit `rev` names (a run's base: an object id). */
export async function hasCommit(root: string, rev: string, memo: GitMemo): Promise<boolean> {
  // A name with whitespace is no object id, and the reader refuses it: no commit by that name.
  if (rev === '' || /\s/.test(rev)) return false;
  return (await memo.read(root, `${rev}^{commit}`)) !== null;
}

/** The object id of the tree a commit (or a tree) holds, or null when `root` has no such object. */
export function treeOf(root: string, treeish: string, memo: GitMemo): Promise<string | null> {
  return memo.once(['tree-of', root, treeish], async () => (await memo.read(root, `${treeish}^{tree}`))?.oid ?? null);
}

/** One tree object's entries by name, read and parsed once per memo. */
export function treeEntries(root: string, oid: string, memo: GitMemo): Promise<Map<string, Omit<TreeEntry, 'path'>>> {
  return memo.once(['tree', root, oid], async () => {
    const object = await memo.read(root, oid);
    if (object === null || object.type !== 'tree') throw new GitError(`cannot list files of ${oid.slice(0, 12)} in ${root}: not a tree there`);
    return parseTree(object.content, oid.length / 2);
  });
}

/** The entries of a tree made in process (tree-in-process.ts), known without reading it back; kept as given, never changed after. */
export function seedTreeEntries(root: string, oid: string, entries: ReadonlyMap<string, Omit<TreeEntry, 'path'>>, memo: GitMemo): void {
  void memo.once(['tree', root, oid], () => Promise.resolve(entries as Map<string, Omit<TreeEntry, 'path'>>));
}

/**
 * What changedPaths answers for `from` → `to`, from a caller that made `to` out of `from` and knows
 * what it changed (tree-in-process.ts), in git's order: not worked out from the trees again.
 */
export function seedChangedPaths(root: string, from: string, to: string, changed: ReadonlyMap<string, string>, memo: GitMemo): void {
  void memo.once(['changed', root, from, to], () => Promise.resolve(changed as Map<string, string>));
}

/** A tree object is a run of "<octal mode> <name>\0<object id, raw bytes>" entries. */
function parseTree(content: Buffer, idBytes: number): Map<string, Omit<TreeEntry, 'path'>> {
  const entries = new Map<string, Omit<TreeEntry, 'path'>>();
  let at = 0;
  while (at < content.length) {
    const space = content.indexOf(0x20, at);
    const nul = content.indexOf(0x00, space + 1);
    if (space < 0 || nul < 0 || nul + 1 + idBytes > content.length) throw new GitError('git returned a tree object that cannot be read: the repository may be damaged (run `git fsck`)');
    const name = content.subarray(space + 1, nul).toString('utf8');
    const oid = content.subarray(nul + 1, nul + 1 + idBytes).toString('hex');
    entries.set(name, { ...canonicalMode(Number.parseInt(content.subarray(at, space).toString('latin1'), 8)), oid });
    at = nul + 1 + idBytes;
  }
  return entries;
}

/** The mode as git reads it from a tree (its canon_mode), so old odd modes print as ls-tree does. */
function canonicalMode(mode: number): Pick<TreeEntry, 'mode' | 'type'> {
  switch (mode & 0o170000) {
    case 0o040000:
      return { mode: '040000', type: 'tree' };
    case 0o120000:
      return { mode: '120000', type: 'blob' };
    case 0o160000:
      return { mode: '160000', type: 'commit' };
    default:
      return { mode: mode & 0o111 ? '100755' : '100644', type: 'blob' };
  }
}
