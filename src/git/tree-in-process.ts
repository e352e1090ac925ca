/**
 * Trees made in process: `tree` with some files replaced or deleted, hashed as git's write-tree
 * would write them from an index, without a git process. verify proves a run's history from the
 * base again, patch after patch; with the engine's post-images in hand, asking git to apply and
 * write each state started two processes per patch. The objects are kept in the memo only
 * (memo.made), never written to the repository; verify has git apply the run's approved patches
 * in one pass at the end and compares the tree git writes with the one made here.
 */
import { hash } from 'node:crypto';
import type { GitMemo } from './memo.js';
import { seedChangedPaths, seedTreeEntries, treeEntries, type TreeEntry } from './read-blobs.js';

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
  const changed = new Map<string, string>();
  const made = (await rebuild(root, tree, split, memo, algorithm, '', changed)) ?? store(memo, algorithm, 'tree', Buffer.alloc(0));
  // Validation then asks what changed from `tree` to `made`: the paths whose blobs changed, in
  // git's order (a folder's name sorts as if it ended in '/', so by the bytes of the whole path).
  seedChangedPaths(root, tree, made, new Map([...changed].sort(([a], [b]) => compareKeys(a, b))), memo);
  return made;
}

/** `tree` (`oid`, at `prefix`) with `changes`; each path whose blob changes is noted in `changed`, with its new id (zeros when deleted). */
async function rebuild(
  root: string,
  oid: string | null,
  changes: Array<[string[], Buffer | null]>,
  memo: GitMemo,
  algorithm: string,
  prefix: string,
  changed: Map<string, string>,
): Promise<string | null> {
  const before: ReadonlyMap<string, Entry> = oid === null ? new Map() : await treeEntries(root, oid, memo);
  const entries = new Map<string, Entry>(before);
  const deeper = new Map<string, Array<[string[], Buffer | null]>>();
  const touched = new Set<string>();
  for (const [[name, ...rest], content] of changes) {
    touched.add(name!);
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
      changed.set(prefix + name!, '0'.repeat(existing.oid.length));
    } else {
      const blob = store(memo, algorithm, 'blob', content);
      // The mode is kept, so the entry changes exactly when the content does.
      if (blob !== existing?.oid) changed.set(prefix + name!, blob);
      entries.set(name!, { mode: existing?.mode ?? '100644', type: 'blob', oid: blob });
    }
  }
  for (const [name, below] of deeper) {
    const existing = entries.get(name);
    if (existing !== undefined && existing.type !== 'tree') throw new NotInProcess(`${name} is not a folder`);
    const made = await rebuild(root, existing?.oid ?? null, below, memo, algorithm, `${prefix}${name}/`, changed);
    if (made === null) entries.delete(name);
    else entries.set(name, { mode: '040000', type: 'tree', oid: made });
  }
  if (entries.size === 0) return null;
  // The tree before, in git's order, with only the entries this change touched taken out and put
  // back: a folder of k files where one changed costs a search and a copy of its bytes in a few
  // pieces, not a sort of k names nor a piece per entry.
  const layout = oid === null ? sortedLayout(entries) : changedLayout(layoutOf(memo, oid, before), touched, before, entries);
  const made = store(memo, algorithm, 'tree', layout.content);
  layouts(memo).set(made, layout);
  // The next state reads this tree's entries: given now, they are not parsed back from its bytes.
  seedTreeEntries(root, made, entries, memo);
  return made;
}

/**
 * A tree object's bytes, a run of "<mode> <name>\0<raw id>" entries in git's order, with the key
 * git sorts each entry by and where each starts (`starts` has one more element: the end).
 */
interface Layout {
  content: Buffer;
  keys: readonly string[];
  starts: readonly number[];
}

/** git sorts a folder's name as if it ended in '/'. */
const sortKey = (name: string, entry: Entry): string => (entry.type === 'tree' ? `${name}/` : name);

function row(name: string, entry: Entry): Buffer {
  const mode = entry.type === 'tree' ? '40000' : entry.mode;
  // Every byte is written below: a slice of the shared pool, not a zeroed buffer of its own.
  const bytes = Buffer.allocUnsafe(mode.length + 1 + Buffer.byteLength(name) + 1 + entry.oid.length / 2);
  let at = bytes.write(`${mode} `, 0, 'latin1');
  at += bytes.write(name, at, 'utf8');
  bytes[at++] = 0;
  bytes.write(entry.oid, at, 'hex');
  return bytes;
}

/**
 * git's order of names is by bytes (UTF-8). UTF-16 code units sort as UTF-8 bytes do unless one of
 * the two holds a character beyond U+FFFF: only then are they compared as bytes.
 */
function compareKeys(a: string, b: string): number {
  if (SURROGATE.test(a) || SURROGATE.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * `layout` (the layout of `before`) with the entries of the names in `touched` as `after` has
 * them: each entry taken out or put in found by a binary search, and the runs of entries in
 * between copied as they are, in one piece each.
 */
function changedLayout(layout: Layout, touched: ReadonlySet<string>, before: ReadonlyMap<string, Entry>, after: ReadonlyMap<string, Entry>): Layout {
  const removed = new Set<number>();
  // Each new entry with the index of the old entry it goes before.
  const added: Array<{ at: number; key: string; bytes: Buffer }> = [];
  for (const name of touched) {
    const old = before.get(name);
    if (old !== undefined) {
      const found = search(layout.keys, sortKey(name, old));
      // A layout always holds its tree's entries; should it ever not, the entries decide.
      if (!found.found) return sortedLayout(after);
      removed.add(found.at);
    }
    const now = after.get(name);
    if (now !== undefined) {
      const key = sortKey(name, now);
      added.push({ at: search(layout.keys, key).at, key, bytes: row(name, now) });
    }
  }
  // Two new entries that go before the same old one are in git's order between them.
  added.sort((a, b) => a.at - b.at || compareKeys(a.key, b.key));
  const pieces: Buffer[] = [];
  let keys: string[] = [];
  let starts: number[] = [];
  let length = 0;
  /** The old entries from `from` up to `to` (exclusive), none of them removed: one piece of the old bytes. */
  const keep = (from: number, to: number): void => {
    if (from >= to) return;
    pieces.push(layout.content.subarray(layout.starts[from]!, layout.starts[to]!));
    const shift = length - layout.starts[from]!;
    // Copied natively (a loop in a short command mostly runs in V8's interpreter); before the first change nothing moves.
    keys = keys.concat(layout.keys.slice(from, to));
    if (shift === 0) starts = starts.concat(layout.starts.slice(from, to));
    else for (let i = from; i < to; i++) starts.push(layout.starts[i]! + shift);
    length += layout.starts[to]! - layout.starts[from]!;
  };
  let from = 0;
  const events = [...[...removed].map((at) => ({ at, item: null })), ...added.map((item) => ({ at: item.at, item }))];
  // At one index, new entries go in before the old one there is taken out (which comes after them).
  events.sort((a, b) => a.at - b.at || (a.item === null ? 1 : 0) - (b.item === null ? 1 : 0));
  for (const { at, item } of events) {
    keep(from, at);
    from = Math.max(from, at);
    if (item === null) {
      from = at + 1;
      continue;
    }
    pieces.push(item.bytes);
    keys.push(item.key);
    starts.push(length);
    length += item.bytes.length;
  }
  keep(from, layout.keys.length);
  starts.push(length);
  return { content: pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, length), keys, starts };
}

function sortedLayout(entries: ReadonlyMap<string, Entry>): Layout {
  const rows = [...entries].map(([name, entry]) => ({ key: sortKey(name, entry), bytes: row(name, entry) })).sort((a, b) => compareKeys(a.key, b.key));
  const starts: number[] = [];
  let length = 0;
  for (const item of rows) {
    starts.push(length);
    length += item.bytes.length;
  }
  starts.push(length);
  return { content: Buffer.concat(rows.map((item) => item.bytes), length), keys: rows.map((item) => item.key), starts };
}

/** Where `key` is in `keys` (sorted), or where it would go. */
function search(keys: readonly string[], key: string): { at: number; found: boolean } {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const order = compareKeys(keys[middle]!, key);
    if (order === 0) return { at: middle, found: true };
    if (order < 0) low = middle + 1;
    else high = middle;
  }
  return { at: low, found: false };
}

/** The layouts of trees this memo made or changed, by object id: made once per tree, shared by the trees made from it. */
const layoutsByMemo = new WeakMap<GitMemo, Map<string, Layout>>();

function layouts(memo: GitMemo): Map<string, Layout> {
  let found = layoutsByMemo.get(memo);
  if (found === undefined) {
    found = new Map();
    layoutsByMemo.set(memo, found);
  }
  return found;
}

/** The layout of tree `oid`: kept when it was made here, else sorted once from its entries. */
function layoutOf(memo: GitMemo, oid: string, entries: ReadonlyMap<string, Entry>): Layout {
  const known = layouts(memo).get(oid);
  if (known !== undefined) return known;
  const layout = sortedLayout(entries);
  layouts(memo).set(oid, layout);
  return layout;
}

function store(memo: GitMemo, algorithm: string, type: 'blob' | 'tree', content: Buffer): string {
  // One call on the header and content together: cheaper than a Hash object for a tree or a small file.
  const oid = hash(algorithm, Buffer.concat([Buffer.from(`${type} ${content.length}\0`, 'latin1'), content]), 'hex');
  if (!memo.made.has(oid)) memo.made.set(oid, { oid, type, content });
  return oid;
}
