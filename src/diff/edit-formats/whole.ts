/**
 * Whole-file replies: each changed file's full new content in a fenced block after a line with
 * its path; `DELETE path` deletes a file. The diff is computed against the file in the state
 * tree, so what a person reviews is still a unified diff. What the block cannot say (the file's
 * final newline, its CRLF endings) follows the file and is logged; what a small model gets wrong
 * without changing the meaning (prose, CRLF, trailing whitespace, a/ b/ ./ prefixes, a language
 * tag) is tolerated and logged; a reply that leaves part of a file out is refused, never filled in.
 */
import { cutOffReason, refuseElisions } from './elisions.js';
import {
  bareName,
  closesFence,
  deleteLine,
  fileEol,
  looksLikePath,
  nestedOpening,
  openingFence,
  refuse,
  replyLines,
  resolvePaths,
  unindent,
  type Fence,
  type ReplyLine,
  converting,
  type DeleteItem,
} from './reply-lines.js';
import type { ConversionOptions, ConversionResult, ConversionStep, ReadFile } from './types.js';
import { editScript, filePatch, joinFile, joinPatches, splitFile, type FileLine, type Op } from './unified.js';

interface FileBlock {
  kind: 'file';
  raw: string;
  /** Reply line of the path. */
  line: number;
  /** Reply line of the opening fence. */
  open: number;
  content: ReplyLine[];
}

type Item = FileBlock | DeleteItem;

export function convertWholeReply(reply: string, readFile: ReadFile, options: ConversionOptions = {}): ConversionResult {
  const steps: ConversionStep[] = [];
  return converting(steps, () => convert(readBlocks(reply, readFile, steps), readFile, steps, options));
}

/** The repository paths a whole-file reply names, as written (the caller fetches these and their a/ b/ ./-less forms). */
export function wholeReplyNames(reply: string): string[] {
  const names: string[] = [];
  const lines = replyLines(reply);
  let inside: Fence | null = null;
  let last: string | null = null;
  for (const l of lines) {
    if (inside) {
      if (closesFence(l.text, inside)) inside = null;
      continue;
    }
    const del = deleteLine(l.text);
    if (del !== null) names.push(del);
    const fence = openingFence(l.text);
    if (fence) {
      inside = fence;
      if (last !== null) {
        const name = bareName(last);
        if (name !== null) names.push(name);
      }
      last = null;
    } else if (l.text.trim() !== '') last = l.text;
  }
  return names;
}

function readBlocks(reply: string, readFile: ReadFile, steps: ConversionStep[]): Item[] {
  const lines = replyLines(reply);
  const items: Item[] = [];
  /** The last non-blank line outside blocks since the previous block: the candidate path line. */
  let candidate: ReplyLine | null = null;
  let prose = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as ReplyLine;
    const del = deleteLine(l.text);
    if (del !== null) {
      items.push({ kind: 'delete', raw: del, line: l.n });
      candidate = null;
      continue;
    }
    const fence = openingFence(l.text);
    if (!fence) {
      if (l.text.trim() !== '') {
        candidate = l;
        prose++;
      }
      continue;
    }
    const name = candidate === null ? null : bareName(candidate.text);
    if (candidate === null || name === null || !looksLikePath(name, readFile)) {
      refuse(`the fenced block opened at line ${l.n} has no path line before it: put the file's path alone on the line before each block's opening fence, and leave out blocks that are not files`, undefined, l.n);
    }
    prose--;
    const block = readBlock(lines, i, fence, name, candidate.n, steps);
    items.push(block.item);
    i = block.end;
    candidate = null;
  }
  if (items.length === 0) {
    const hint = /^(?:diff --git |@@ |<{5,9} ?SEARCH)/m.test(reply) ? ' (it looks like a diff or SEARCH/REPLACE blocks; this run expects whole files)' : '';
    refuse(`the reply has no file blocks${hint}: give each changed file as its path on a line, then its full new content in a fenced block`);
  }
  if (prose > 0) steps.push({ fix: 'strip-prose', message: `left out ${prose} line(s) of prose around the file blocks` });
  return items;
}

function readBlock(lines: readonly ReplyLine[], i: number, fence: Fence, raw: string, line: number, steps: ConversionStep[]): { item: FileBlock; end: number } {
  const open = lines[i] as ReplyLine;
  const fenceText = fence.char.repeat(fence.length);
  const content: ReplyLine[] = [];
  for (let j = i + 1; j < lines.length; j++) {
    const l = lines[j] as ReplyLine;
    if (closesFence(l.text, fence)) return { item: { kind: 'file', raw, line, open: open.n, content }, end: j };
    if (nestedOpening(l.text, fence)) {
      refuse(`line ${l.n} opens another fenced block inside the block for ${raw} (opened at line ${open.n}): close each file's block before the next path line; a file that itself holds ${fenceText} lines needs a longer fence (${fence.char.repeat(fence.length + 1)})`, raw, l.n);
    }
    if (/^\s*<{5,9} ?SEARCH\s*$/.test(l.text)) {
      refuse(`line ${l.n} of the block for ${raw} is a SEARCH marker: this run expects each file's whole new content, not SEARCH/REPLACE blocks`, raw, l.n);
    }
    content.push({ ...l, text: unindent(l.text, fence.indent) });
  }
  // No closing fence. A model sometimes glues it to the last line ("}```"); anything else is a
  // reply that stopped inside the file (a token limit), and its end is not the file's end.
  let last = content.length - 1;
  while (last >= 0 && (content[last] as ReplyLine).text.trim() === '') last--;
  const tail = last >= 0 ? (content[last] as ReplyLine) : null;
  if (tail && tail.text.trimEnd().endsWith(fenceText) && !tail.text.trimEnd().endsWith(fenceText + fence.char)) {
    const text = tail.text.trimEnd().slice(0, -fenceText.length);
    steps.push({ fix: 'glued-fence', message: `the closing ${fenceText} of the block for ${raw} was at the end of line ${tail.n} instead of on a line of its own`, path: raw, line: tail.n });
    const kept = content.slice(0, last);
    if (text.trim() !== '') kept.push({ ...tail, text });
    return { item: { kind: 'file', raw, line, open: open.n, content: kept }, end: lines.length - 1 };
  }
  return refuse(`the block for ${raw} opened at line ${open.n} is never closed: the reply ends inside it, so the file is probably cut off; give the whole file and close its block with ${fenceText}`, raw, open.n);
}

function convert(items: Item[], readFile: ReadFile, steps: ConversionStep[], options: ConversionOptions): ConversionResult {
  const resolved = resolvePaths(items.map((it) => ({ raw: it.raw, line: it.line })), readFile, steps);
  refuseHidden(resolved, items, options);
  const seen = new Map<string, Item>();
  const patches: Array<{ path: string; patch: string }> = [];
  items.forEach((item, k) => {
    const { path } = resolved[k] as { path: string };
    const before = seen.get(path);
    if (before) {
      if (before.kind === 'file' && item.kind === 'file' && sameContent(before.content, item.content)) {
        steps.push({ fix: 'duplicate-block', message: `the block for ${path} at line ${item.line} repeats the one at line ${before.line}; used once`, path, line: item.line });
        return;
      }
      refuse(`${path} is named twice, at lines ${before.line} and ${item.line}, with different contents: give each file once`, path, item.line);
    }
    seen.set(path, item);
    const original = readFile(path);
    if (item.kind === 'delete') {
      if (original === undefined) refuse(`line ${item.line} deletes ${path}, which does not exist`, path, item.line);
      patches.push({ path, patch: filePatch(path, original, null) });
      return;
    }
    const after = newContent(path, item, original, steps);
    if (after === original) {
      steps.push({ fix: 'unchanged-file', message: `the block for ${path} (line ${item.line}) is the file as it is; nothing to change`, path, line: item.line });
      return;
    }
    patches.push({ path, patch: filePatch(path, original ?? null, after) });
  });
  const diff = joinPatches(patches);
  if (diff === '') {
    refuse('the reply changes nothing: every file block is the file as it already is (whitespace at line ends aside, which whole-file replies cannot change; use the diff format for that)');
  }
  const files = patches.filter((p) => p.patch !== '').map((p) => p.path).sort();
  return { ok: true, diff, steps, files };
}

function sameContent(a: readonly ReplyLine[], b: readonly ReplyLine[]): boolean {
  return a.length === b.length && a.every((l, k) => l.text === (b[k] as ReplyLine).text);
}

/** The file's new content from its block, or a refusal when the block leaves part of it out. */
function newContent(path: string, block: FileBlock, original: string | undefined, steps: ConversionStep[]): string {
  const content = dropTrailingBlankLines(path, block, original, steps);
  if (content.length === 0 && original !== undefined && original !== '') {
    refuse(`the block for ${path} (line ${block.line}) is empty: to delete the file write a line "DELETE ${path}"; otherwise give its whole content`, path, block.line);
  }
  const eol = original === undefined ? '' : fileEol(original);
  lineEndings(path, content, eol, steps);
  const finalNewline = original === undefined || original === '' || original.endsWith('\n');
  if (!finalNewline && content.length > 0) {
    steps.push({ fix: 'final-newline', message: `${path} has no newline at its end, which a block cannot show; the new version has none either`, path, line: block.line });
  }
  const lines: FileLine[] = content.map((l, k) => ({ text: l.text + eol, nl: k < content.length - 1 || finalNewline }));
  const old = original === undefined ? [] : splitFile(original);
  // A '\r' is a line ending, not content: a line of a mixed-ending file that differs from the
  // file's only by it is the file's line. Other whitespace is content: a block cannot tell a
  // cleanup from a slip, so it is taken as written and flagged for the person reviewing.
  const ops = editScript(old, lines, (l) => `${l.text.endsWith('\r') ? l.text.slice(0, -1) : l.text}${l.nl ? '\n' : ''}`);
  for (const o of ops) if (o.op === ' ') lines[o.j] = { text: (old[o.i] as FileLine).text, nl: (lines[o.j] as FileLine).nl };
  whitespaceOnly(path, old, lines, ops, content, steps);
  refuseElisions(path, ops, content, original);
  const after = joinFile(lines);
  // A cut can fall in lines the block adds as well as in lines it keeps: the bracket count is
  // judged for every changed file, the last line only where the file's end is dropped.
  if (original !== undefined && original !== '' && after !== '') {
    const reason = cutOffReason(original, after, tailRemoved(ops));
    const lastLine = content[content.length - 1] as ReplyLine;
    if (reason !== null) refuse(`the block for ${path} looks cut off: ${reason}; give the file's whole content`, path, lastLine.n);
  }
  return after;
}

/**
 * Empty lines a model leaves before the closing fence are not taken as the file's: the file keeps
 * as many empty lines at its end as it had (none for a new file). A line of spaces is content, as
 * whitespace is everywhere in a block: counted as padding, the file's own last line " " could be
 * left out, or turned into an empty one kept in its place.
 */
function dropTrailingBlankLines(path: string, block: FileBlock, original: string | undefined, steps: ConversionStep[]): ReplyLine[] {
  const content = [...block.content];
  const had = original === undefined ? 0 : trailingBlank(splitFile(original).map((l) => l.text));
  let extra = trailingBlank(content.map((l) => l.text)) - had;
  if (extra <= 0) return content;
  const first = content[content.length - extra] as ReplyLine;
  const n = extra;
  while (extra-- > 0) content.pop();
  steps.push({ fix: 'trailing-blank-lines', message: `left out ${n} empty line(s) at the end of the block for ${path}, more than the file ${original === undefined ? 'needs' : 'has'} there`, path, line: first.n });
  return content;
}

/** Empty lines at the end ('\r' is a line ending, not content). */
function trailingBlank(texts: readonly string[]): number {
  let n = 0;
  while (n < texts.length && /^\r?$/.test(texts[texts.length - 1 - n] as string)) n++;
  return n;
}

function lineEndings(path: string, content: readonly ReplyLine[], eol: '' | '\r', steps: ConversionStep[]): void {
  const dropped = eol === '' ? content.filter((l) => l.cr).length : 0;
  const gained = eol === '\r' ? content.filter((l) => !l.cr).length : 0;
  if (dropped > 0) steps.push({ fix: 'crlf', message: `${dropped} line(s) of the block for ${path} ended in CRLF; the file uses LF, so they do too`, path });
  if (gained > 0) steps.push({ fix: 'crlf-file', message: `${path} uses CRLF line endings; ${gained} line(s) of its block now end in CRLF like the file`, path });
}

/** The change script removes the file's last line: the new version stops before the old one did. */
function tailRemoved(ops: readonly Op[]): boolean {
  for (let k = ops.length - 1; k >= 0; k--) {
    const o = ops[k] as Op;
    if (o.op !== '+') return o.op === '-';
  }
  return false;
}

/** A reply may not touch an existing file the executor was not shown; asked before any content is used. */
export function refuseHidden(resolved: ReadonlyArray<{ path: string; exists: boolean }>, items: ReadonlyArray<{ line: number }>, options: ConversionOptions): void {
  if (!options.hidden) return;
  resolved.forEach((r, k) => {
    const why = r.exists ? (options.hidden?.(r.path) ?? null) : null;
    if (why !== null) refuse(why, r.path, (items[k] as { line: number }).line);
  });
}

/**
 * Lines the block changes only in whitespace at their end (a removed line and an added one that
 * differ only there): taken as written, and named in a step, since a model that cannot see
 * trailing spaces drops or adds them without meaning to.
 */
function whitespaceOnly(path: string, old: readonly FileLine[], lines: readonly FileLine[], ops: readonly Op[], content: readonly ReplyLine[], steps: ConversionStep[]): void {
  const removed = new Map<string, string[]>();
  for (const o of ops) {
    if (o.op !== '-') continue;
    const text = (old[o.i] as FileLine).text;
    removed.set(text.trimEnd(), [...(removed.get(text.trimEnd()) ?? []), text]);
  }
  let n = 0;
  let first: number | null = null;
  for (const o of ops) {
    if (o.op !== '+') continue;
    const text = (lines[o.j] as FileLine).text;
    const left = removed.get(text.trimEnd()) ?? [];
    const k = left.findIndex((t) => t !== text);
    if (k < 0) continue;
    left.splice(k, 1);
    n++;
    first ??= (content[o.j] as ReplyLine).n;
  }
  if (n > 0) {
    steps.push({ fix: 'whitespace-only-lines', message: `${n} line(s) of the block for ${path} differ from the file only in whitespace at the line end; taken as written (check that this is meant)`, path, ...(first === null ? {} : { line: first }) });
  }
}
