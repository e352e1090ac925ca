/**
 * The repair engine: from a model's reply and the base content of the files it touches to a diff
 * git applies cleanly and the post-image it must produce, or a refusal with a reason.
 *
 * The rule above all others: the repaired patch removes the same lines and adds the same lines as
 * the model's diff, at a place located without ambiguity, or the reply is refused. Context and
 * removed lines are taken from the file (whitespace drift aside they must match it); added lines
 * are exactly what the model wrote, '\r' included (see repair/added-line-endings.ts for when the
 * line ending follows the file instead).
 * A clean diff passes through byte for byte with no fixes, unless one of its lines reads two ways
 * (a '-' or '+' line that is, marker included, a line of the file: repair/repair-file.ts) and the
 * other reading fits too, with another result: then it is refused. Most such file patches are
 * found so before any repair (repair/as-written.ts), which decides exactly as the repair would.
 *
 * Fix kinds (Fix.kind), stable identifiers, in the order the steps run:
 *   crlf                     the reply's CRLF line endings were converted (its headers ended in CRLF: transport)
 *   strip-think              a <think> block was removed (from extract.ts)
 *   strip-prose              prose around the diff moved to notes (from extract.ts)
 *   strip-fences             the diff was taken out of a Markdown fence (from extract.ts)
 *   merge-file-patches       several patches of the same file (e.g. one fenced block each) joined
 *   drop-empty-hunk          a hunk without removed or added lines was left out
 *   restore-context          context lines the model dropped inside a hunk restored from the file
 *   place-dropped-context    a dropped context line next to added lines restored on the one side
 *                            of them that gives the hunk git's shape (see place-dropped-line.ts)
 *   same-result-readings     a hunk that fits in several alignments changing the same lines into the
 *                            same text (one of two equal context lines dropped) taken as one
 *   index-line-reading       of several readings of a file patch, the one whose result has the blob id
 *                            its `index` line names (the old id being the base file's) taken
 *   context-marker           context lines that lost their leading space (blank or not) recognised
 *                            by the file
 *   context-whitespace       context lines whose whitespace drifted taken from the file
 *   removed-whitespace       removed lines whose whitespace drifted taken from the file
 *   reorder-hunks            hunks sorted into file order
 *   merge-hunks              hunks sharing context lines merged into one
 *   pad-context              missing or lopsided context at a hunk's ends topped up from the file
 *   complete-deletion        a deleted file's removal written out in full (git requires it)
 *   added-blank-marker       blank lines in a new file's hunk that lost their '+'
 *   eof-newline              a base last line without newline, followed by added lines, re-added with one
 *   no-newline-marker        `\ No newline at end of file` lines added or moved
 *   drop-empty-file-patch    a file patch that changes nothing was left out
 *   missing-diff-git-line    a `diff --git` line was added
 *   missing-file-headers     `---`/`+++` lines were added
 *   ab-prefixes              a/ and b/ prefixes were added to paths
 *   repo-name-in-path        the repository's folder name doubled into a path was removed
 *   new-file-header          a new file was marked as one (`new file mode`, `--- /dev/null`)
 *   deleted-file-header      a deleted file was marked as one (`deleted file mode`, `+++ /dev/null`)
 *   rewrite-header           other header lines rewritten into git's form (timestamps, junk lines)
 *   placeholder-hunk-header  a `@@` line without usable numbers got the located ones
 *   hunk-line-numbers        wrong start lines in a `@@` line corrected
 *   hunk-counts              wrong line counts in a `@@` line corrected
 *   crlf-file                added lines of a CRLF base file, none written with '\r', given CRLF like the file
 *   drop-stray-lines         lines inside the diff that belong to no file or hunk moved to notes
 *   trailing-newline         the diff's missing final newline added
 */
import { extractDiff, type ExtractResult } from './extract.js';
import { excerpt, type Fix } from './types.js';
import type { EngineOptions, ExpectedFile, FileSource, RepairOutcome } from './repair/api-types.js';
import { RefusalError, refuse, refusalLine, type Refusal } from './repair/refusal.js';
import { repairFile } from './repair/repair-file.js';
import { groupByFile, repoNameDoubled } from './repair/file-groups.js';
import { headerFacts, pathCandidates, type ResolvedPaths } from './repair/resolve-paths.js';
import { materializeHunks, readReplyDiff, releaseHunks, type ReplyDiff, type ReplyHunk } from './repair/reply-diff.js';
import { RepairedText } from './repair/repaired-text.js';
import { asWrittenFile } from './repair/as-written.js';

export type { EngineOptions, ExpectedFile, FileSource, RepairOutcome, Refusal };

/** Repository-relative paths whose base content the engine needs (old paths, and candidates such as the path without a doubled repository-name prefix). Pure, never throws. */
export function filesNeeded(reply: string, options: EngineOptions): string[] {
  const { diff } = readReply(reply);
  if (diff === null) return [];
  const out = new Set<string>();
  for (const file of diff.files) {
    const f = headerFacts(diff, file);
    const names: Array<[string | undefined, 'a' | 'b']> = [
      [f.minusName, 'a'],
      [f.plusName, 'b'],
      [f.gitNames?.[0], 'a'],
      [f.gitNames?.[1], 'b'],
      [f.renameFrom, 'a'],
      [f.renameTo, 'b'],
    ];
    for (const [name, side] of names) {
      if (name === undefined || name === '/dev/null') continue;
      for (const p of pathCandidates(name, side, options.repoName)) out.add(p);
    }
  }
  return [...out];
}

/**
 * The diff in `reply` when it reads as git writes diffs (nothing around it to take out, every file
 * patch with its `diff --git`, `---` and `+++` lines, no line outside a file or hunk), else null.
 * Such a diff usually comes out of the repair unchanged, so a caller may hand it to git while the
 * repair runs; whether it did is only known from repairReply. Pure, never throws.
 */
export function diffAsWritten(reply: string): string | null {
  const { extracted, diff } = readReply(reply);
  if ('error' in extracted || diff === null || extracted.fixes.length > 0) return null;
  if (diff.orphanHunks.length > 0 || diff.stray.length > 0 || diff.files.length === 0) return null;
  return diff.files.every((file) => file.git !== null && file.minus !== null && file.plus !== null) ? extracted.diff : null;
}

export function repairReply(reply: string, files: FileSource, options: EngineOptions): RepairOutcome {
  const steps = repairSteps(reply, files, options);
  let step = steps.next();
  while (step.done !== true) step = steps.next();
  return step.value;
}

/**
 * repairReply for a source whose contents arrive one by one (read from git while the engine
 * works): `arrived(path)` settles once `files.get(path)` gives `path`'s content, and each file is
 * repaired only after its own content has arrived. Until then the source need only tell which
 * paths exist (a Buffer, of any content, for each: no file's content is read before its turn).
 */
export async function repairReplyAsync(reply: string, files: FileSource, options: EngineOptions, arrived: (path: string) => Promise<unknown> | null): Promise<RepairOutcome> {
  const steps = repairSteps(reply, files, options);
  let step = steps.next();
  while (step.done !== true) {
    const waiting = arrived(step.value);
    if (waiting !== null) await waiting;
    step = steps.next();
  }
  return step.value;
}

/** The repair, yielding each base path before the file whose repair reads its content (the only content it reads). */
function* repairSteps(reply: string, files: FileSource, options: EngineOptions): Generator<string, RepairOutcome, void> {
  const { extracted, diff } = readReply(reply);
  // Read once for filesNeeded and this call; kept past it, the reply's lines would stay in memory
  // for as long as the command runs (through git's validation).
  forgetRead(reply);
  if ('error' in extracted || diff === null) return failure({ file: null, hunk: null, reason: 'error' in extracted ? extracted.error : 'no diff', expected: null, found: null, closest: null }, '', []);
  const fixes: Fix[] = [...extracted.fixes];
  let notes = extracted.notes;
  try {
    if (diff.orphanHunks.length > 0) {
      const h = diff.orphanHunks[0] as ReplyHunk;
      refuse(null, null, `the hunk ${JSON.stringify(diff.lines[h.header]?.text ?? '')} comes before any file header, so nothing says which file it changes: add 'diff --git a/<path> b/<path>' (or '--- a/<path>' and '+++ b/<path>') before it`);
    }
    refuseDiffInNotes(extracted.notes);
    const repoDoubled = repoNameDoubled(diff, files, options.repoName);
    const groups = groupByFile(diff, files, options, repoDoubled, fixes);
    // The context width U that git used for the reply's hunks, as far as they show: at least git's
    // default of 3 (so a sloppy hunk with one line of context on each side is not taken for a git
    // hunk), more when some hunk has more before its first or after its last change.
    const contextSeen = Math.max(3, diff.widestContext);
    const nextFile = new Map(diff.files.map((file, i) => [file, diff.files[i + 1]]));
    const out = new RepairedText(extracted.diff);
    const leftover: number[] = [];
    let crKept = 0;
    const expected: ExpectedFile[] = [];
    const expectedPaths = new Set<string>();
    const changes: RepairOutcome['files'] = [];
    const keep = (post: readonly ExpectedFile[], change: RepairOutcome['files'][number]): void => {
      for (const e of post) {
        if (expectedPaths.has(e.path)) refuse(e.path, null, 'two file patches of the diff change this path');
        expectedPaths.add(e.path);
        expected.push(e);
      }
      changes.push(change);
    };
    for (const g of groups) {
      // One file's hunk lines at a time: made for its repair, let go once it is repaired.
      if (g.paths.oldPath !== null) yield g.paths.oldPath;
      const content = g.paths.oldPath === null || options.asWritten === false ? null : files.get(g.paths.oldPath);
      const taken = content instanceof Buffer ? asWrittenFile(diff, g.file, nextFile.get(g.file), g.hunks, g.paths, content, contextSeen) : null;
      if (taken !== null) {
        files.done?.(g.paths.oldPath!);
        options.takenAsWritten?.(g.paths.oldPath!);
        fixes.push(...taken.fixes);
        out.addLines(diff.table, taken.header === null ? taken.from : taken.hunks, taken.to, taken.header);
        keep(taken.expected, { oldPath: g.paths.oldPath, newPath: g.paths.newPath, kind: g.paths.kind });
        continue;
      }
      materializeHunks(diff, g.hunks);
      const repaired = repairFile(diff, g.file, g.hunks, g.paths, files, fixes, contextSeen);
      releaseHunks(diff, g.hunks);
      if (!repaired) continue;
      logCrlfFile(repaired.crGained, g.paths, fixes);
      crKept += repaired.crKept;
      leftover.push(...repaired.leftover);
      out.add(repaired.lines);
      keep(repaired.expected, repaired.change);
    }
    if (out.count === 0) refuse(null, null, 'the diff changes nothing');
    const stray = [...diff.stray, ...leftover].sort((a, b) => a - b);
    notes = takeStrayLines(diff, stray, notes, fixes);
    logCrlf(diff.crLines, crKept, fixes);
    if (!diff.finalNewline && diff.lines.length > 0 && stray[stray.length - 1] !== diff.lines.length - 1) {
      const last = diff.table.lineText(diff.lines.length - 1);
      fixes.push({ kind: 'trailing-newline', file: null, hunk: null, detail: 'the diff did not end with a newline; added one', before: last, after: `${last}\n` });
    }
    const text = out.text();
    return { ok: true, diff: text, notes, fixes, files: changes, expected, error: null, refusal: null };
  } catch (error) {
    if (error instanceof RefusalError) return failure(error.refusal, notes, fixes);
    throw error;
  }
}

/** Whether `parts` joined by '\n', with a final '\n', are `text`: compared in place, without joining them. */
export function sameText(parts: readonly string[], text: string): boolean {
  let at = 0;
  for (const part of parts) {
    if (!text.startsWith(part, at) || text.charCodeAt(at + part.length) !== 10) return false;
    at += part.length + 1;
  }
  return at === text.length && parts.length > 0;
}

/**
 * Replies read by filesNeeded, kept for the repairReply that follows (both only read them) rather
 * than parsed twice. Callers may ask filesNeeded about many replies before repairing any (verify
 * checks every attempt at once), so several are kept, in the order read; repairReply takes its
 * reply out, and the oldest go once the kept text passes READ_KEPT_CHARS, so a reply kept past its
 * repair cannot hold its lines in memory for as long as the command runs.
 */
const readKept = new Map<string, ReadReply>();
let readKeptChars = 0;
const READ_KEPT_CHARS = 4 * 1024 * 1024;

interface ReadReply {
  extracted: ExtractResult;
  diff: ReplyDiff | null;
}

function readReply(reply: string): ReadReply {
  const kept = readKept.get(reply);
  if (kept !== undefined) return kept;
  const extracted = extractDiff(reply, { keepCr: true, keepTrailingLines: true });
  const read: ReadReply = { extracted, diff: 'error' in extracted ? null : readReplyDiff(extracted.diff, extracted.lines) };
  readKept.set(reply, read);
  readKeptChars += reply.length;
  for (const oldest of readKept.keys()) {
    if (readKeptChars <= READ_KEPT_CHARS || oldest === reply) break;
    forgetRead(oldest);
  }
  return read;
}

function forgetRead(reply: string): void {
  if (readKept.delete(reply)) readKeptChars -= reply.length;
}

function failure(refusal: Refusal, notes: string, fixes: Fix[]): RepairOutcome {
  return { ok: false, diff: '', notes, fixes, files: [], expected: [], error: refusalLine(refusal), refusal };
}

/**
 * A reply with fenced diff blocks and diff lines outside them (a hunk after "Also:"): the lines
 * outside went to the notes, and leaving them out could silently drop a change, while taking them
 * in could apply an example. Either would be a guess.
 */
function refuseDiffInNotes(notes: string): void {
  const lines = notes.split('\n');
  const at = lines.findIndex((l, i) => /^(?:diff --git |@@)/.test(l) || (l.startsWith('--- ') && (lines[i + 1] ?? '').startsWith('+++ ')));
  if (at >= 0) {
    refuse(null, null, `the reply has diff lines outside its fenced diff blocks (${JSON.stringify((lines[at] ?? '').slice(0, 60))}); put the whole diff in the fenced blocks`);
  }
}

/** Lines between files that are no part of the diff: prose goes to the notes, blank lines go. */
function takeStrayLines(diff: ReplyDiff, stray: number[], notes: string, fixes: Fix[]): string {
  if (stray.length === 0) return notes;
  const text = stray.map((i) => diff.lines[i]?.text ?? '');
  const prose = text.join('\n').replace(/\n{3,}/g, '\n\n').trim();
  fixes.push({
    kind: 'drop-stray-lines',
    file: null,
    hunk: null,
    detail: prose === '' ? `removed ${text.length} blank line(s) between the diff's parts` : `moved ${text.length} line(s) inside the diff that belong to no file or hunk to the notes`,
    before: excerpt(text.join('\n')),
    after: '',
  });
  return prose === '' ? notes : [notes, prose].filter((s) => s !== '').join('\n\n');
}

function logCrlf(had: number, kept: number, fixes: Fix[]): void {
  if (had <= kept) return;
  fixes.unshift({
    kind: 'crlf',
    file: null,
    hunk: null,
    detail: `converted ${had - kept} CRLF line ending(s) of the reply to LF (diff headers, and lines of files that use LF)`,
    before: '\r\n',
    after: '\n',
  });
}

function logCrlfFile(gained: number, paths: ResolvedPaths, fixes: Fix[]): void {
  if (gained === 0) return;
  fixes.push({
    kind: 'crlf-file',
    file: paths.newPath ?? paths.oldPath,
    hunk: null,
    detail: `the base file uses CRLF line endings; ${gained} line(s) of the diff now end in CRLF like the file`,
    before: '\n',
    after: '\r\n',
  });
}
