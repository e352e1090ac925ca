/**
 * Trees made in process: `tree` with some files replaced or deleted, hashed as git's write-tree
 * would write them from an index, without a git process. verify proves a run's history from the
 * base again, patch after patch; with the engine's post-images in hand, asking git to apply and
 * write each state started two processes per patch. The objects are kept in the memo only
 * (memo.made), never written to the repository; verify has git apply the run's approved patches
 * in one pass at the end and compares the tree git writes with the one made here.
 */
import { createHash } from 'node:crypto';
import type { GitMemo } from './memo.js';
import { seedTreeEntries, treeEntries, type TreeEntry } from './read-blobs.js';

/** A change this module does not make as git would (a file where a folder is, a link): left to git. */
export class NotInProcess extends Error {}

type Entry = Omit<TreeEntry, 'path'>;

/**
 * The id of `tree` with each path of `changes` set to its content (a regular file; an existing
 * file keeps its mode, a new one is 100644) or deleted (null). Folders left empty disappear, as
 * in git. Throws NotInProcess for a change git would make otherwise or refuse.
 */
export async function treeWithChanges(root: string, tree: string, changes: ReadonlyMap<string, Buffer | null>, memo: GitMemo): Promise<string> {
  const algorithm = tree.length === 64 ? 'sha256' : 'sha1';
  const split = [...changes].map(([path, content]): [string[], Buffer | null] => [path.split('/'), content]);
  if (split.some(([parts]) => parts.includes(''))) throw new NotInProcess('a path of unusual shape');
  return (await rebuild(root, tree, split, memo, algorithm)) ?? store(memo, algorithm, 'tree', Buffer.alloc(0));
}

async function rebuild(root: string, oid: string | null, changes: Array<[string[], Buffer | null]>, memo: GitMemo, algorithm: string): Promise<string | null> {
  const entries = new Map<string, Entry>(oid === null ? [] : await treeEntries(root, oid, memo));
  const deeper = new Map<string, Array<[string[], Buffer | null]>>();
  for (const [[name, ...rest], content] of changes) {
    if (rest.length > 0) {
      deeper.set(name!, [...(deeper.get(name!) ?? []), [rest, content]]);
      continue;
    }
    const existing = entries.get(name!);
    // Only regular files are changed in process; a link, a submodule or a folder in the way is git's to judge.
    if (existing !== undefined && (existing.type !== 'blob' || existing.mode === '120000')) throw new NotInProcess(`${name} is not a regular file`);
    if (content === null) {
      if (existing === undefined) throw new NotInProcess(`${name} is not there to delete`);
      // Renamed, an executable keeps its mode at its new path, which the post-images do not say.
      if (existing.mode !== '100644') throw new NotInProcess(`${name} has mode ${existing.mode}`);
      entries.delete(name!);
    } else {
      entries.set(name!, { mode: existing?.mode ?? '100644', type: 'blob', oid: store(memo, algorithm, 'blob', content) });
    }
  }
  for (const [name, below] of deeper) {
    const existing = entries.get(name);
    if (existing !== undefined && existing.type !== 'tree') throw new NotInProcess(`${name} is not a folder`);
    const made = await rebuild(root, existing?.oid ?? null, below, memo, algorithm);
    if (made === null) entries.delete(name);
    else entries.set(name, { mode: '040000', type: 'tree', oid: made });
  }
  if (entries.size === 0) return null;
  // git sorts a folder's name as if it ended in '/', by bytes. UTF-16 code units sort as UTF-8
  // bytes do unless a name holds a character beyond U+FFFF: only then are the names compared as bytes.
  const named = [...entries].map(([name, entry]) => ({ name, key: entry.type === 'tree' ? `${name}/` : name, entry }));
  const sorted = named.some(({ key }) => /[\uD800-\uDFFF]/.test(key))
    ? named.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)))
    : named.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let size = 0;
  for (const { name, entry } of sorted) size += (entry.type === 'tree' ? 5 : entry.mode.length) + 1 + Buffer.byteLength(name) + 1 + entry.oid.length / 2;
  const content = Buffer.alloc(size);
  let at = 0;
  for (const { name, entry } of sorted) {
    at += content.write(`${entry.type === 'tree' ? '40000' : entry.mode} `, at, 'latin1');
    at += content.write(name, at, 'utf8');
    content[at++] = 0;
    at += content.write(entry.oid, at, 'hex');
  }
  const made = store(memo, algorithm, 'tree', content);
  // The next state reads this tree's entries: given now, they are not parsed back from its bytes.
  seedTreeEntries(root, made, entries, memo);
  return made;
}

function store(memo: GitMemo, algorithm: string, type: 'blob' | 'tree', content: Buffer): string {
  const oid = createHash(algorithm).update(`${type} ${content.length}\0`).update(content).digest('hex');
  if (!memo.made.has(oid)) memo.made.set(oid, { oid, type, content });
  return oid;
}
