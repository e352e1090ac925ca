/**
 * SEARCH/REPLACE replies: blocks of a path line, `<<<<<<< SEARCH`, lines copied from the file,
 * `=======`, the lines to put in their place, `>>>>>>> REPLACE`. Each SEARCH must match exactly one
 * place in the file as it is in the state tree, by the repair engine's own matching (exact lines,
 * then whitespace at either end ignored, then all whitespace ignored; the first tier that matches
 * decides, and two places are refused naming both). Lines the block keeps take the file's text, so
 * whitespace drift in a SEARCH changes nothing; lines it adds are what the model wrote. Every block
 * is matched against the file before any is applied: blocks may come in any order, and blocks
 * whose places overlap are refused. An empty SEARCH creates a new file.
 */
import { decodeBase, exactPositions, plain, trimKeyPositions, type BaseFile } from '../repair/base-file.js';
import { bestAlignment, locate, mostSimilarLine, type FileKeys, type OldLine, type Placement } from '../repair/locate-hunk.js';
import { refuseElisions } from './elisions.js';
import {
  bareName,
  closesFence,
  deleteLine,
  fileEol,
  looksLikePath,
  openingFence,
  refuse,
  replyLines,
  resolvePaths,
  type ReplyLine,
  converting,
  type DeleteItem,
} from './reply-lines.js';
import type { ConversionOptions, ConversionResult, ConversionStep, ReadFile } from './types.js';
import { refuseHidden } from './whole.js';
import { editScript, filePatch, joinFile, joinPatches, splitFile, type FileLine, type Op } from './unified.js';

const SEARCH = /^\s*<{5,9} ?SEARCH\s*$/;
const DIVIDER = /^\s*={5,9}\s*$/;
const REPLACE = /^\s*>{5,9} ?REPLACE\s*$/;

interface Block {
  kind: 'block';
  raw: string;
  /** Reply line of the path line (or of the first block that named it). */
  line: number;
  /** Reply line of the SEARCH marker: how blocks are named in steps and refusals. */
  at: number;
  search: ReplyLine[];
  replace: ReplyLine[];
}

type Item = Block | DeleteItem;

export function convertSearchReplaceReply(reply: string, readFile: ReadFile, options: ConversionOptions = {}): ConversionResult {
  const steps: ConversionStep[] = [];
  return converting(steps, () => convert(readItems(reply, readFile), readFile, steps, options));
}

/** The names a SEARCH/REPLACE reply gives, as written. */
export function searchReplaceNames(reply: string): string[] {
  const lines = replyLines(reply);
  const names: string[] = [];
  lines.forEach((l, i) => {
    const del = deleteLine(l.text);
    if (del !== null) names.push(del);
    if (!SEARCH.test(l.text)) return;
    // Any bare name before a marker: a superset of what the conversion may ask about.
    for (let k = i - 1; k >= 0; k--) {
      const t = (lines[k] as ReplyLine).text;
      if (t.trim() === '' || /^\s*(?:`{3,}|~{3,})/.test(t) || REPLACE.test(t)) continue;
      const name = bareName(t);
      if (name !== null) names.push(name);
      break;
    }
  });
  return names;
}

/** The reply's blocks and DELETE lines. */
function readItems(reply: string, readFile: ReadFile): Item[] {
  const lines = replyLines(reply);
  const items: Item[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as ReplyLine;
    const del = deleteLine(l.text);
    if (del !== null) {
      items.push({ kind: 'delete', raw: del, line: l.n });
      continue;
    }
    if (DIVIDER.test(l.text) || REPLACE.test(l.text)) {
      refuse(`line ${l.n} (${JSON.stringify(l.text.trim())}) is outside any block: each block is a path line, ${'<<<<<<< SEARCH'}, the lines, =======, the new lines, >>>>>>> REPLACE`, undefined, l.n);
    }
    if (!SEARCH.test(l.text)) continue;
    const named = blockPath(lines, i, items, readFile);
    if (named === null) {
      refuse(`the block at line ${l.n} has no path line before it: put the file's path alone on the line before each block (or its fence)`, undefined, l.n);
    }
    const search: ReplyLine[] = [];
    const replace: ReplyLine[] = [];
    let j = i + 1;
    for (; j < lines.length && !DIVIDER.test((lines[j] as ReplyLine).text); j++) {
      const t = (lines[j] as ReplyLine).text;
      if (SEARCH.test(t) || REPLACE.test(t)) break;
      search.push(lines[j] as ReplyLine);
    }
    const divider = lines[j];
    if (divider === undefined || !DIVIDER.test(divider.text)) {
      refuse(`the block at line ${l.n} for ${named.raw} has no ======= after its SEARCH lines${divider === undefined ? ': the reply ends inside it, so it is probably cut off' : ` (line ${divider.n} is ${JSON.stringify(divider.text.trim())})`}`, named.raw, l.n);
    }
    for (j++; j < lines.length && !REPLACE.test((lines[j] as ReplyLine).text); j++) {
      const t = (lines[j] as ReplyLine).text;
      if (SEARCH.test(t)) break;
      // A second divider: the first was a line of the file (a heading underline), and where the
      // SEARCH really ends is a guess.
      if (DIVIDER.test(t)) refuse(`the block at line ${l.n} for ${named.raw} has a second ======= at line ${(lines[j] as ReplyLine).n}: a SEARCH or REPLACE line that is only = signs cannot be told from the divider; use the diff format for this change`, named.raw, (lines[j] as ReplyLine).n);
      replace.push(lines[j] as ReplyLine);
    }
    const end = lines[j];
    if (end === undefined || !REPLACE.test(end.text)) {
      refuse(`the block at line ${l.n} for ${named.raw} is never closed with >>>>>>> REPLACE${end === undefined ? ': the reply ends inside it, so it is probably cut off' : ` (line ${end.n} starts another block)`}`, named.raw, l.n);
    }
    items.push({ kind: 'block', raw: named.raw, line: named.line, at: l.n, search, replace });
    i = j;
  }
  if (items.length === 0) {
    const hint = /^(?:diff --git |@@ )/m.test(reply) ? ' (it looks like a diff; this run expects SEARCH/REPLACE blocks)' : '';
    refuse(`the reply has no SEARCH/REPLACE blocks${hint}: give each change as the file's path on a line, then <<<<<<< SEARCH, the exact lines, =======, the new lines, >>>>>>> REPLACE`);
  }
  return items;
}

/**
 * The path of the block whose SEARCH marker is at line i: the nearest line before it, past blank
 * lines and fences, when that is a path; a block right after another block's REPLACE marker is for
 * the same file (several blocks in one fence).
 */
function blockPath(lines: readonly ReplyLine[], i: number, items: readonly Item[], readFile: ReadFile): { raw: string; line: number } | null {
  for (let k = i - 1; k >= 0; k--) {
    const l = lines[k] as ReplyLine;
    const t = l.text.trim();
    if (t === '' || openingFence(l.text) !== null || closesFence(l.text, { char: '`', length: 3, indent: 0, info: '' }) || closesFence(l.text, { char: '~', length: 3, indent: 0, info: '' })) continue;
    if (REPLACE.test(l.text)) {
      const prev = items[items.length - 1];
      return prev && prev.kind === 'block' ? { raw: prev.raw, line: prev.line } : null;
    }
    const name = bareName(l.text);
    if (name === null) return null;
    if (!looksLikePath(name, readFile)) return null;
    return { raw: name, line: l.n };
  }
  return null;
}

function convert(items: Item[], readFile: ReadFile, steps: ConversionStep[], options: ConversionOptions): ConversionResult {
  const resolved = resolvePaths(items.map((it) => ({ raw: it.raw, line: it.line })), readFile, steps);
  refuseHidden(resolved, items, options);
  const byPath = new Map<string, Item[]>();
  items.forEach((item, k) => {
    const { path } = resolved[k] as { path: string };
    const list = byPath.get(path) ?? [];
    list.push(item);
    byPath.set(path, list);
  });
  const patches: Array<{ path: string; patch: string }> = [];
  for (const [path, list] of byPath) {
    const original = readFile(path);
    const deletes = list.filter((it): it is DeleteItem => it.kind === 'delete');
    const blocks = list.filter((it): it is Block => it.kind === 'block');
    if (deletes.length > 0) {
      const del = deletes[0] as DeleteItem;
      if (blocks.length > 0) refuse(`${path} is deleted at line ${del.line} and changed by the block at line ${(blocks[0] as Block).at}: do one or the other`, path, del.line);
      if (original === undefined) refuse(`line ${del.line} deletes ${path}, which does not exist`, path, del.line);
      patches.push({ path, patch: filePatch(path, original, null) });
      continue;
    }
    const after = original === undefined ? newFile(path, blocks, steps) : edited(path, original, blocks, steps);
    if (after === original) {
      steps.push({ fix: 'unchanged-file', message: `the blocks for ${path} change nothing`, path });
      continue;
    }
    patches.push({ path, patch: filePatch(path, original ?? null, after) });
  }
  const diff = joinPatches(patches);
  if (diff === '') refuse('the reply changes nothing: every block replaces lines with the same lines');
  return { ok: true, diff, steps, files: patches.filter((p) => p.patch !== '').map((p) => p.path).sort() };
}

function newFile(path: string, blocks: readonly Block[], steps: ConversionStep[]): string {
  const first = blocks[0] as Block;
  if (first.search.length > 0) {
    refuse(`the block at line ${first.at} searches ${path}, which does not exist: to create the file leave its SEARCH empty; otherwise give the path of an existing file`, path, first.at);
  }
  if (blocks.length > 1) refuse(`${path} does not exist and has ${blocks.length} blocks (lines ${blocks.map((b) => b.at).join(', ')}): create a new file with one block whose SEARCH is empty`, path, (blocks[1] as Block).at);
  const content = [...first.replace];
  // Empty lines before >>>>>>> REPLACE are the model's padding; a line of spaces is content, as in
  // a whole-file block.
  let blank = 0;
  while (content.length > 0 && (content[content.length - 1] as ReplyLine).text === '') {
    content.pop();
    blank++;
  }
  if (blank > 0) steps.push({ fix: 'trailing-blank-lines', message: `left out ${blank} empty line(s) at the end of the new file ${path}`, path, line: first.at });
  const crs = content.filter((l) => l.cr).length;
  if (crs > 0) steps.push({ fix: 'crlf', message: `${crs} line(s) of the new file ${path} ended in CRLF; new files use LF`, path, line: first.at });
  refuseElisions(path, content.map((_, j) => ({ op: '+', i: 0, j })), content, undefined);
  return joinFile(content.map((l) => ({ text: l.text, nl: true })));
}

interface Placed {
  block: Block;
  /** First file line (0-based) the SEARCH matched, and one past its last. */
  start: number;
  end: number;
  /** The lines that take their place. */
  lines: FileLine[];
  ops: Op[];
}

function edited(path: string, original: string, blocks: readonly Block[], steps: ConversionStep[]): string {
  const decoded = decodeBase(path, Buffer.from(original, 'utf8'));
  if ('problem' in decoded) refuse(`${path}: ${decoded.problem}`, path);
  const file = decoded.file;
  const eol = fileEol(original);
  let exact: Map<string, number[]> | null = null;
  let trim: Map<string, number[]> | null = null;
  const wanted = blocks.flatMap((b) => b.search.map((l) => l.text));
  const keys: FileKeys = {
    exact: () => (exact ??= exactPositions(file, new Set(wanted))),
    trim: () => (trim ??= trimKeyPositions(file, new Set(wanted.map((t) => t.trim())))),
  };
  const placed = blocks.map((block) => place(path, file, block, eol, keys, steps));
  const sorted = [...placed].sort((a, b) => a.start - b.start);
  if (sorted.some((p, k) => p !== placed[k])) {
    steps.push({ fix: 'reorder-blocks', message: `the blocks for ${path} were not in file order; each matched the file as it is and they were applied in file order`, path });
  }
  for (let k = 1; k < sorted.length; k++) {
    const a = sorted[k - 1] as Placed;
    const b = sorted[k] as Placed;
    if (b.start < a.end) {
      const last = Math.min(a.end, b.end);
      const shared = last === b.start + 1 ? `line ${last}` : `lines ${b.start + 1}–${last}`;
      refuse(`the blocks at lines ${a.block.at} and ${b.block.at} both match ${shared} of ${path}: each block must change its own lines of the file as it is`, path, b.block.at);
    }
  }
  const old = splitFile(original);
  const out: FileLine[] = [];
  let next = 0;
  for (const p of sorted) {
    for (; next < p.start; next++) out.push(old[next] as FileLine);
    out.push(...p.lines);
    next = p.end;
  }
  for (; next < old.length; next++) out.push(old[next] as FileLine);
  // Only the last line may lack a newline, and it does when the file's did.
  const finalNewline = original === '' || original.endsWith('\n');
  const touchesEnd = sorted.some((p) => p.end === old.length && p.ops.some((o) => o.op !== ' '));
  out.forEach((l, k) => {
    l.nl = k < out.length - 1 || finalNewline;
  });
  if (!finalNewline && touchesEnd && out.length > 0) {
    steps.push({ fix: 'final-newline', message: `${path} has no newline at its end, which a block cannot show; the new version has none either`, path });
  }
  return joinFile(out);
}

function place(path: string, file: BaseFile, block: Block, eol: '' | '\r', keys: FileKeys, steps: ConversionStep[]): Placed {
  if (block.search.length === 0) {
    refuse(`the block at line ${block.at} has an empty SEARCH, but ${path} exists: copy the lines to replace into SEARCH (an empty SEARCH creates a new file)`, path, block.at);
  }
  const search = block.search.map((l) => l.text);
  const replace = block.replace.map((l) => l.text);
  const ops = editScript(search, replace, (t) => t);
  const old: OldLine[] = [];
  for (const o of ops) if (o.op !== '+') old.push({ text: search[o.i] as string, kind: o.op === ' ' ? 'context' : 'removed' });
  const found = locate(file, { old, gaps: old.slice(1).map(() => 'none' as const) }, keys);
  const starts = [...new Set(found.placements.map((p: Placement) => p.positions[0] as number))].sort((a, b) => a - b);
  if (starts.length === 0) notFound(path, file, block, old);
  if (starts.length > 1) {
    const shown = starts.slice(0, 5).map((s) => s + 1);
    refuse(`the SEARCH of the block at line ${block.at} matches ${path} in ${starts.length} places (lines ${shown.join(' and ')}${starts.length > 5 ? ', …' : ''}): add lines around it so it matches only one`, path, block.at);
  }
  const start = starts[0] as number;
  const other = readingWithDroppedLine(file, search, start);
  if (other !== null) {
    refuse(`the SEARCH of the block at line ${block.at} matches ${path} at line ${start + 1}, but with one of its lines left out it would match at line ${other + 1} too: add lines around it so it can only mean one place`, path, block.at);
  }
  const tier = found.placements[0]?.tier ?? 'exact';
  if (tier !== 'exact') {
    const ignored = tier === 'trim' ? 'whitespace at either end of its lines' : 'all whitespace';
    steps.push({ fix: 'search-whitespace', message: `the SEARCH of the block at line ${block.at} matched ${path} at line ${start + 1} once ${ignored} is ignored; the lines it keeps are taken from the file`, path, line: block.at });
  }
  const lines: FileLine[] = [];
  for (const o of ops) {
    if (o.op === ' ') lines.push({ text: file.lines[start + o.i] as string, nl: true });
    else if (o.op === '+') lines.push({ text: (replace[o.j] as string) + eol, nl: true });
  }
  const crs = block.replace.filter((l) => l.cr === (eol === '')).length;
  if (crs > 0) {
    steps.push(
      eol === ''
        ? { fix: 'crlf', message: `${crs} REPLACE line(s) of the block at line ${block.at} ended in CRLF; ${path} uses LF, so they do too`, path, line: block.at }
        : { fix: 'crlf-file', message: `${path} uses CRLF line endings; ${crs} REPLACE line(s) of the block at line ${block.at} now end in CRLF like the file`, path, line: block.at },
    );
  }
  refuseElisions(path, ops, block.replace, '');
  if (ops.every((o) => o.op === ' ')) steps.push({ fix: 'unchanged-block', message: `the block at line ${block.at} replaces lines with the same lines`, path, line: block.at });
  return { block, start, end: start + search.length, lines, ops };
}

function notFound(path: string, file: BaseFile, block: Block, old: readonly OldLine[]): never {
  const best = bestAlignment(file, { old: [...old], gaps: old.slice(1).map(() => 'none' as const) });
  if (best === null) {
    const first = old[0] as OldLine;
    const closest = mostSimilarLine(file, first.text, 0, file.lines.length);
    refuse(`the SEARCH of the block at line ${block.at} does not match ${path}: none of its lines is in the file (first: ${JSON.stringify(first.text)}${closest ? `; closest is line ${closest.line}: ${JSON.stringify(closest.text)}` : ''}); copy the lines exactly from the file`, path, block.at);
  }
  let i = 0;
  for (; i < old.length; i++) {
    const line = file.lines[best.start + i];
    if (line === undefined || plain(line).replace(/\s+/g, '') !== (old[i] as OldLine).text.replace(/\s+/g, '')) break;
  }
  const bad = old[Math.min(i, old.length - 1)] as OldLine;
  const at = best.start + i;
  const found = at >= 0 && at < file.lines.length ? plain(file.lines[at] as string) : null;
  refuse(
    `the SEARCH of the block at line ${block.at} does not match ${path}: it fits best at line ${best.start + 1} (${best.matched} of ${old.length} lines), where its line ${JSON.stringify(bad.text)} is ${found === null ? 'past the end of the file' : `${JSON.stringify(found)} in the file`}; copy the lines exactly from the file, with none left out`,
    path,
    (block.search[Math.min(i, block.search.length - 1)] as ReplyLine).n,
  );
}

/**
 * Where else the SEARCH would fit had the model left one line out of it (a line of the file
 * between two of its lines), or null. A model that drops a line from a SEARCH can leave lines
 * that happen to match elsewhere as they stand; taking that place would change the wrong code, so
 * when both readings exist the block is refused. Lines compare exactly (a '\r' aside).
 */
function readingWithDroppedLine(file: BaseFile, search: readonly string[], start: number): number | null {
  const n = search.length;
  if (n < 2) return null;
  const lines = file.lines;
  for (let p = 0; p + n < lines.length; p++) {
    if (plain(lines[p] as string) !== search[0]) continue;
    // The longest prefix in place from p, then the rest one line further on.
    let k = 1;
    while (k < n && plain(lines[p + k] as string) === search[k]) k++;
    for (let skip = Math.min(k, n - 1); skip >= 1; skip--) {
      let ok = true;
      for (let i = skip; i < n && ok; i++) ok = plain(lines[p + i + 1] as string) === search[i];
      if (ok && !(p === start && skip >= n)) return p;
    }
  }
  return null;
}
