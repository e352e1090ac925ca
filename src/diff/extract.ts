/**
 * Find the diff inside a model's reply. Models wrap diffs in Markdown fences, surround them with
 * explanations, and reasoning models prepend a <think> block that may itself hold a draft diff;
 * none of that may reach git, and every byte we drop is logged as a Fix.
 */
import { isExtendedHeader, isFilePairAt, parseRange, scanHunkBody, TextLines, type LineSource } from './parse.js';
import { excerpt, type Fix } from './types.js';

/** `lines`: the diff's lines as extraction read them, when the diff is the whole reply (so they need not be read again). */
export type ExtractResult = { diff: string; notes: string; fixes: Fix[]; lines?: TextLines } | { error: string };

export interface ExtractOptions {
  /**
   * Keep each line's '\r' in the returned diff (lines are still classified without it). The repair
   * engine decides line endings per file, from the base file, so a diff of a CRLF file can pass
   * through unchanged; normalizeReply converts the whole reply instead.
   */
  keepCr?: boolean;
  /**
   * Keep the lines that follow a diff's last hunk, up to the end of its block (or the next diff, or
   * the reply). Whether such a line is a context line that lost its leading space or prose, the
   * header counts decide in parse.ts; the repair engine decides with the file instead (counts are
   * often wrong), so it needs to see them, and moves the prose to the notes itself.
   */
  keepTrailingLines?: boolean;
}

export function extractDiff(reply: string, options: ExtractOptions = {}): ExtractResult {
  const fixes: Fix[] = [];
  let text = reply;
  const crlf = text.split('\r\n').length - 1;
  if (crlf > 0 && options.keepCr !== true) {
    text = text.replaceAll('\r\n', '\n');
    fixes.push(fix('crlf', `converted ${crlf} CRLF line ending${crlf === 1 ? '' : 's'} to LF`, '\r\n', '\n'));
  }
  text = stripThink(text, fixes);
  const finalNewline = text.endsWith('\n');
  // The reply's lines as offsets: a line's string is made only where its text decides something
  // (headers, fences, prose), never for each line of a large diff's hunks.
  const lines = new TextLines(text, options.keepCr === true);
  const unfenced = findUnfenced(lines);
  const blocks = findFences(lines, unfenced).filter((b) => looksLikeDiff(lines, b.contentStart, b.contentEnd));
  // Inside a fence, too, the diff runs from its first header to its last hunk line: a model's
  // "Here it is:" or trailing blank lines inside the block are prose.
  const found = blocks.length > 0 ? blocks.map((b) => {
    const inner = findUnfenced(new WindowLines(lines, b.contentStart, b.contentEnd));
    return [b.contentStart + (inner[0]?.[0] ?? 0), b.contentStart + (inner[inner.length - 1]?.[1] ?? 0), b.contentEnd] as const;
  }) : unfenced.map(([s, e], k) => [s, e, unfenced[k + 1]?.[0] ?? lines.length] as const);
  const regions = found.map(([s, e, limit]) => {
    let end = e;
    if (options.keepTrailingLines === true && e > s) end = limit;
    return [s, end] as const;
  });
  if (regions.length === 0) {
    const thought = fixes.some((f) => f.kind === 'strip-think') ? ' (text inside <think> is never used)' : '';
    return { error: `the reply contains no unified diff${thought}: expected a \`\`\`diff block or lines starting with 'diff --git', '--- a/' or '@@ -'` };
  }

  // The last region keeps the reply's missing final newline, so the trailing-newline repair sees it.
  // Sliced from the text by offsets rather than joined from lines: a 5 MB diff is not copied twice.
  const diff = regions
    .map(([s, e]) => (e > s ? text.slice(lines.start(s), e < lines.length ? lines.start(e) : text.length) : e === lines.length && !finalNewline ? '' : '\n'))
    .join('');
  const fenceLines = new Set(blocks.flatMap((b) => (b.close === null ? [b.open] : [b.open, b.close])));
  const inDiff = new Uint8Array(lines.length);
  for (const [s, e] of regions) inDiff.fill(1, s, e);
  const outside: string[] = [];
  for (let i = 0; i < lines.length; i++) if (!fenceLines.has(i) && inDiff[i] === 0) outside.push(lines.at(i) as string);
  const notes = outside.join('\n').replace(/\n{3,}/g, '\n\n').trim();

  blocks.forEach((b, k) => {
    const where = blocks.length > 1 ? `fenced block ${k + 1} of ${blocks.length}` : 'the fenced block';
    const missing = b.close === null ? ' (its closing fence is missing)' : '';
    const open = lines.at(b.open);
    fixes.push(fix('strip-fences', `took the diff from ${where} opened by ${JSON.stringify(open)}${missing}`, open ?? '', ''));
  });
  if (outside.length > 0) {
    const detail = notes === ''
      ? `removed ${outside.length} blank line${outside.length === 1 ? '' : 's'} around the diff`
      : `moved ${outside.length} line${outside.length === 1 ? '' : 's'} of prose outside the diff to the notes`;
    fixes.push(fix('strip-prose', detail, excerpt(outside.join('\n')), ''));
  }
  return diff === text ? { diff, notes, fixes, lines } : { diff, notes, fixes };
}

/** Lines [from, to) of `lines`, numbered from 0: a fenced block's content read as a reply of its own. */
class WindowLines implements LineSource {
  readonly length: number;
  constructor(
    private readonly lines: LineSource,
    private readonly from: number,
    to: number,
  ) {
    this.length = Math.max(0, to - from);
  }
  private has(i: number): boolean {
    return i >= 0 && i < this.length;
  }
  at(i: number): string | undefined {
    return this.has(i) ? this.lines.at(this.from + i) : undefined;
  }
  first(i: number): number {
    return this.has(i) ? this.lines.first(this.from + i) : NaN;
  }
  startsWith(i: number, prefix: string): boolean {
    return this.has(i) && this.lines.startsWith(this.from + i, prefix);
  }
  empty(i: number): boolean {
    return this.has(i) && this.lines.empty(this.from + i);
  }
}

const BACKTICK = 96;
const TILDE = 126;

/** Whether the line may open or close a fence: only then is its text read. */
function fenceLike(lines: LineSource, i: number): boolean {
  const c = lines.first(i);
  return c === BACKTICK || c === TILDE;
}

function fix(kind: string, detail: string, before: string, after: string): Fix {
  return { kind, file: null, hunk: null, detail, before, after };
}

/**
 * Remove reasoning. Tags count only where a reasoning model puts them (an opening tag at the start
 * of a line, a closing tag not on a diff line), so a diff that adds "<think>" to a file survives.
 */
function stripThink(input: string, fixes: Fix[]): string {
  let text = input;
  const OPEN = /(?:^|\n)<(think|thinking)>/i;
  // Some chat templates put the opening tag in the prompt: the reply starts inside the reasoning.
  const close = /<\/(?:think|thinking)>/i.exec(text);
  const open = OPEN.exec(text);
  if (close && (!open || close.index < open.index)) {
    const lineStart = text.lastIndexOf('\n', close.index - 1) + 1;
    const lineEnd = text.indexOf('\n', close.index);
    const line = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd);
    if (!/^[-+ ]/.test(line) || line.trim() === close[0]) {
      const removed = text.slice(0, close.index + close[0].length);
      text = text.slice(removed.length);
      fixes.push(fix('strip-think', `removed ${removed.length} characters of reasoning ending in ${close[0]} (no opening tag)`, excerpt(removed), ''));
    }
  }
  for (;;) {
    const m = OPEN.exec(text);
    if (!m) break;
    const start = m.index + (m[0].startsWith('\n') ? 1 : 0);
    const closeRe = new RegExp(`</${m[1]}>`, 'i');
    const c = closeRe.exec(text.slice(start));
    const end = c ? start + c.index + c[0].length : text.length;
    const removed = text.slice(start, end);
    text = text.slice(0, start) + text.slice(end);
    const detail = c ? `removed a <${m[1]}> block of ${removed.length} characters` : `removed an unclosed <${m[1]}> block of ${removed.length} characters (up to the end of the reply)`;
    fixes.push(fix('strip-think', detail, excerpt(removed), ''));
  }
  return text;
}

interface Fence {
  open: number;
  /** Index of the closing fence line; null when the reply ends inside the block. */
  close: number | null;
  contentStart: number;
  contentEnd: number;
}

/**
 * Fences count only at column 0: an indented fence would sit on a diff context line
 * (" ```" in a Markdown file), and a model that indents its fence indents the diff too. For the
 * same reason a fence line inside an unfenced diff that began before it does not open a block:
 * it is a Markdown file's context line that lost its leading space.
 */
function findFences(lines: LineSource, unfenced: ReadonlyArray<readonly [number, number]>): Fence[] {
  const fences: Fence[] = [];
  const insideDiff = (i: number): boolean => unfenced.some(([s, e]) => s < i && i < e);
  let i = 0;
  while (i < lines.length) {
    const line = fenceLike(lines, i) ? (lines.at(i) as string) : '';
    const m = /^(`{3,}|~{3,})/.exec(line);
    if (!m || (m[1]?.startsWith('`') && line.slice(m[0].length).includes('`')) || insideDiff(i)) {
      i++;
      continue;
    }
    const marker = m[1] as string;
    const closeRe = new RegExp(`^${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*$`);
    let j = i + 1;
    while (j < lines.length && !(fenceLike(lines, j) && closeRe.test(lines.at(j) as string))) j++;
    fences.push({ open: i, close: j < lines.length ? j : null, contentStart: i + 1, contentEnd: j });
    i = j + 1;
  }
  return fences;
}

function isDiffStart(lines: LineSource, i: number): boolean {
  return lines.startsWith(i, 'diff --git ') || isFilePairAt(lines, i) || (lines.startsWith(i, '@@ -') && /^@@ -\d/.test(lines.at(i) as string));
}

function looksLikeDiff(lines: LineSource, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (isDiffStart(lines, i)) return true;
  return false;
}

/** Line ranges [start, end) of diff text in a reply without a fenced diff. */
function findUnfenced(lines: LineSource): Array<readonly [number, number]> {
  const regions: Array<readonly [number, number]> = [];
  let i = 0;
  while (i < lines.length) {
    if (!isDiffStart(lines, i)) {
      i++;
      continue;
    }
    const end = regionEnd(lines, i);
    regions.push([i, end]);
    i = end;
  }
  return regions;
}

/** The first line after `start` that is no part of a diff: where the model's prose resumes. */
function regionEnd(lines: LineSource, start: number): number {
  let j = start;
  while (j < lines.length) {
    if (lines.startsWith(j, '@@')) j = lenientHunkEnd(lines, j, scanHunkBody(lines, j, parseRange(lines.at(j) as string).range).end);
    else if (isFilePairAt(lines, j)) j += 2;
    else if (lines.startsWith(j, 'diff --git ') || isExtendedHeader(lines.at(j) as string)) j++;
    else break;
  }
  return j;
}

/**
 * A hunk may hold a context line whose leading space the model dropped ("func main() {" instead of
 * " func main() {"), as its last line too. Ending the diff there would silently lose the hunk's
 * remaining lines, or every later hunk whose `@@` line has no numbers (and so does not look like
 * the start of a diff): lines without a marker stay in the diff when more diff lines follow them.
 * The repair engine then checks them against the file (and refuses when they are prose inside a
 * hunk, not context), and moves those between hunks or files to the notes.
 */
function lenientHunkEnd(lines: LineSource, header: number, strictEnd: number): number {
  let end = strictEnd;
  let j = strictEnd;
  let fence = false;
  while (j < lines.length) {
    // A hunk header after unmarked lines continues the diff, unless a fence closed it meanwhile
    // (the next block starts a diff of its own); a file header starts a diff of its own anyway.
    if (lines.startsWith(j, '@@')) return fence ? end : j;
    if (lines.startsWith(j, 'diff --git ') || isFilePairAt(lines, j)) return end;
    const c = lines.first(j);
    if (c === 32 || c === 43 || c === 45 || c === 92) {
      // A run of real hunk lines: let the strict scanner continue from here.
      end = Math.max(j + 1, scanHunkBody(lines, j - 1, null).end);
      j = end;
      fence = false;
      continue;
    }
    if (fenceLike(lines, j) && /^(?:`{3,}|~{3,})/.test(lines.at(j) as string)) fence = true;
    j++;
  }
  return end > header ? end : strictEnd;
}
