/**
 * The header lines of a repaired file patch, in git's form: `diff --git`, the mode, index and
 * rename lines, `---` and `+++`. Lines the model wrote correctly are kept as they are (a clean
 * diff passes through byte for byte); missing ones are added and wrong ones rewritten, each kind
 * of change logged as its own fix.
 */
import { excerpt, type Fix } from '../types.js';
import { refuse } from './refusal.js';
import type { ResolvedPaths } from './resolve-paths.js';
import type { ReplyDiff, ReplyFile } from './reply-diff.js';

const INDEX_RE = /^index [0-9a-f]{4,64}\.\.[0-9a-f]{4,64}(?: (?:100644|100755))?$/;
const MODE_RE = /^(?:new file mode|deleted file mode|old mode|new mode) (\d+)$/;
const RENAME_RE = /^(?:(?:dis)?similarity index \d{1,3}%|rename from .+|rename to .+)$/;

export function fileHeader(diff: ReplyDiff, file: ReplyFile, r: ResolvedPaths, hasHunks: boolean, display: string, fixes: Fix[]): string[] {
  const text = (i: number | null): string | null => (i === null ? null : (diff.lines[i]?.text ?? null));
  const extended = file.extended.map((i) => diff.lines[i]?.text ?? '');
  for (const line of extended) {
    const m = MODE_RE.exec(line);
    if (m && m[1] !== '100644' && m[1] !== '100755') refuse(display, null, `the diff sets file mode ${m[1]}; only regular files (100644, 100755) are patched`);
  }
  const oldName = r.oldPath ?? (r.newPath as string);
  const newName = r.newPath ?? (r.oldPath as string);
  const keep = extended.filter((line) => {
    if (INDEX_RE.test(line)) return true;
    if (r.kind === 'add') return line.startsWith('new file mode ');
    if (r.kind === 'delete') return line.startsWith('deleted file mode ');
    if (r.kind === 'rename') return RENAME_RE.test(line) || line.startsWith('old mode ') || line.startsWith('new mode ');
    return line.startsWith('old mode ') || line.startsWith('new mode ');
  });
  const modeChange = keep.filter((l) => l.startsWith('old mode ') || l.startsWith('new mode '));
  const ext = modeChange.length === 1 ? keep.filter((l) => !modeChange.includes(l)) : keep;
  if (r.kind === 'add' && !ext.some((l) => l.startsWith('new file mode '))) ext.unshift('new file mode 100644');
  if (r.kind === 'delete' && !ext.some((l) => l.startsWith('deleted file mode '))) ext.unshift('deleted file mode 100644');

  const ours = [`diff --git ${quotePath(`a/${oldName}`)} ${quotePath(`b/${newName}`)}`, ...ext];
  if (hasHunks) ours.push(`--- ${r.oldPath === null ? '/dev/null' : quotePath(`a/${r.oldPath}`)}`, `+++ ${r.newPath === null ? '/dev/null' : quotePath(`b/${r.newPath}`)}`);

  const theirs = [text(file.git), ...extended, text(file.minus), text(file.plus)].filter((l): l is string => l !== null);
  if (theirs.join('\n') !== ours.join('\n')) logHeaderFixes(file, r, hasHunks, theirs, ours, extended, text, display, fixes);
  return ours;
}

function logHeaderFixes(file: ReplyFile, r: ResolvedPaths, hasHunks: boolean, theirs: string[], ours: string[], extended: string[], text: (i: number | null) => string | null, display: string, fixes: Fix[]): void {
  const before = excerpt(theirs.join('\n'));
  const after = excerpt(ours.join('\n'));
  const log = (kind: string, detail: string): void => {
    fixes.push({ kind, file: display, hunk: null, detail, before, after });
  };
  const n = fixes.length;
  if (file.git === null) log('missing-diff-git-line', `added the missing 'diff --git' line`);
  if (hasHunks && file.minus === null) log('missing-file-headers', `added the missing '---' and '+++' lines`);
  if (r.prefixMissing) log('ab-prefixes', 'the paths lacked their a/ and b/ prefixes (git would have stripped the first folder instead); added them');
  if (r.repoStripped) log('repo-name-in-path', `removed the repository's folder name from the front of the path: the file is ${display}`);
  if (r.kind === 'add' && (!extended.some((l) => l.startsWith('new file mode ')) || (file.minus !== null && text(file.minus) !== '--- /dev/null'))) {
    log('new-file-header', `${display} does not exist at base and the diff creates it: marked as a new file ('new file mode', '--- /dev/null')`);
  }
  if (r.kind === 'delete' && (!extended.some((l) => l.startsWith('deleted file mode ')) || (file.plus !== null && text(file.plus) !== '+++ /dev/null'))) {
    log('deleted-file-header', `the diff deletes ${display}: marked as a deleted file ('deleted file mode', '+++ /dev/null')`);
  }
  if (fixes.length === n) log('rewrite-header', 'rewrote the file header lines in the form git expects');
}

const ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 34: '\\"', 92: '\\\\' };

/** Git's C-style quoting of a path in headers, used only when the path needs it (as git does). */
export function quotePath(path: string): string {
  // A byte >= 0x7f is DEL or part of a non-ASCII character: the string test asks the same as the bytes.
  if (!/[\x00-\x1f"\\\x7f-\uffff]/.test(path)) return path;
  const bytes = Buffer.from(path, 'utf8');
  let out = '"';
  for (const b of bytes) {
    const e = ESCAPES[b];
    if (e !== undefined) out += e;
    else if (b < 0x20 || b >= 0x7f) out += `\\${b.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `${out}"`;
}
