/**
 * What validation asks of git's result beyond "it applied": that every file is the post-image the
 * engine computed (byte for byte, by blob id), and that no change the patch makes was lost.
 */
import { createHash } from 'node:crypto';
import { addedLines, displayPath, type ParsedDiff } from '../diff/parse.js';
import type { GitMemo } from './memo.js';
import { changedPaths, readBlobs } from './read-blobs.js';

/** The post-image a patch must produce, as computed independently of git (null: the file is deleted). */
export interface ExpectedFile {
  path: string;
  content: Buffer | null;
}

/**
 * `git apply` succeeding is not enough (it accepts a last hunk whose counts are too low and drops
 * the extra '+' lines): git's result must be exactly the post-image computed without git, and
 * git must have changed no other path.
 */
export async function compareWithExpected(root: string, state: string, after: string, expected: readonly ExpectedFile[], memo: GitMemo): Promise<string | null> {
  const changed = await changedPaths(root, state, after, memo);
  const wanted = new Map(expected.map((file) => [file.path, file.content]));
  for (const path of changed.keys()) {
    if (!wanted.has(path)) return `git changed ${path}, which the diff does not describe`;
  }
  // Compare object ids rather than reading git's result back: hashing in process is far cheaper
  // than a second round of blob reads; only a mismatch is read, to say where it differs.
  const mismatched: string[] = [];
  for (const [path, content] of wanted) {
    const oid = changed.get(path);
    if (content === null) {
      if (oid === undefined || !/^0+$/.test(oid)) return `git accepted the patch but ${path} still exists after its deletion`;
    } else if (oid === undefined || /^0+$/.test(oid) || oid !== blobId(content, oid.length)) {
      mismatched.push(path);
    }
  }
  if (mismatched.length === 0) return null;
  const blobs = await readBlobs(root, after, mismatched, memo);
  for (const path of mismatched) {
    const got = blobs.get(path) ?? null;
    const want = wanted.get(path)!;
    if (got === null) return `git accepted the patch but ${path} is missing from the result`;
    if (!got.equals(want)) return `git's result for ${path} differs from the post-image the diff describes (${firstDifference(got, want)})`;
  }
  return null;
}

/** git's object id of a blob: SHA-1 (40 hex digits) or, in SHA-256 repositories, SHA-256. */
function blobId(content: Buffer, hexLength: number): string {
  return createHash(hexLength === 64 ? 'sha256' : 'sha1')
    .update(`blob ${content.length}\0`)
    .update(content)
    .digest('hex');
}

function firstDifference(got: Buffer, want: Buffer): string {
  // Lines without the empty string split() leaves after a final newline, so the end reads as such.
  const lines = (buffer: Buffer) => buffer.toString('utf8').replace(/\n$/, '').split('\n');
  const a = lines(got);
  const b = lines(want);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}: expected ${JSON.stringify((b[i] ?? '(end of file)').slice(0, 80))}, git wrote ${JSON.stringify((a[i] ?? '(end of file)').slice(0, 80))}`;
  }
  return 'they differ in bytes only';
}

/**
 * Without an independently computed post-image, at least every added line must be in git's
 * result, in order: git silently drops '+' lines beyond a last hunk's too-low counts.
 */
export async function findLostChanges(root: string, tree: string, parsed: ParsedDiff, memo: GitMemo): Promise<string | null> {
  const blobs = await readBlobs(
    root,
    tree,
    parsed.files.map((file) => (file.kind === 'delete' ? displayPath(file) : file.newPath)).filter((path): path is string => !!path),
    memo,
  );
  for (const file of parsed.files) {
    const name = displayPath(file);
    if (file.kind === 'delete') {
      if ((blobs.get(name) ?? null) !== null) return `git accepted the patch but ${name} still exists after its deletion`;
      continue;
    }
    if (file.binary || file.newPath === null) continue;
    const blob = blobs.get(file.newPath) ?? null;
    if (blob === null) return `git accepted the patch but ${name} is missing from the result`;
    const have = blob.toString('utf8').split('\n').map(dropCR);
    let at = 0;
    for (const line of addedLines(parsed, file)) {
      const want = dropCR(line);
      while (at < have.length && have[at] !== want) at++;
      if (at === have.length) {
        return `git accepted the patch but dropped added lines of ${name} (first missing: ${JSON.stringify(line.slice(0, 80))}): the hunk line counts are probably wrong`;
      }
      at++;
    }
  }
  return null;
}

function dropCR(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
