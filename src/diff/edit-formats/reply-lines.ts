/**
 * Reading a model's reply line by line: fences, path lines, DELETE lines, and the paths they name.
 * Shared by the whole-file and SEARCH/REPLACE readers, so both formats recognise a path, a fence
 * and a hostile name by one rule.
 */
import { checkPatchPath } from '../paths.js';
import type { ConversionResult, ConversionStep, ReadFile } from './types.js';

export interface ReplyLine {
  /** The line without its '\n' and without a '\r' before it. */
  text: string;
  /** Whether the reply ended this line with CRLF. */
  cr: boolean;
  /** 1-based line number in the reply. */
  n: number;
}

export function replyLines(reply: string): ReplyLine[] {
  const parts = reply.split('\n');
  // A final newline ends the last line; it does not start another.
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts.map((raw, k) => (raw.endsWith('\r') ? { text: raw.slice(0, -1), cr: true, n: k + 1 } : { text: raw, cr: false, n: k + 1 }));
}

/** A conversion stops with a refusal: where, and what to do instead. */
export class ConversionRefusal extends Error {
  constructor(
    readonly reason: string,
    readonly path?: string,
    readonly line?: number,
  ) {
    super(reason);
    this.name = 'ConversionRefusal';
  }
}

export function refuse(reason: string, path?: string, line?: number): never {
  throw new ConversionRefusal(reason, path, line);
}

export interface Fence {
  char: '`' | '~';
  length: number;
  /** Spaces before the fence (at most 3): removed from the content lines too, as Markdown does. */
  indent: number;
  /** What follows the fence on its line: a language tag, usually. */
  info: string;
}

const FENCE_RE = /^( {0,3})(`{3,}|~{3,})(.*)$/;

export function openingFence(text: string): Fence | null {
  const m = FENCE_RE.exec(text);
  if (!m) return null;
  const fence = m[2] as string;
  const info = (m[3] as string).trim();
  // A backtick fence's info string cannot hold a backtick (Markdown): "```x```" is inline code.
  if (fence[0] === '`' && info.includes('`')) return null;
  return { char: fence[0] as '`' | '~', length: fence.length, indent: (m[1] as string).length, info };
}

/** Whether the line closes `open`: the same character, at least as long, nothing after it. */
export function closesFence(text: string, open: Fence): boolean {
  const m = FENCE_RE.exec(text);
  return m !== null && (m[2] as string)[0] === open.char && (m[2] as string).length >= open.length && (m[3] as string).trim() === '';
}

/** Whether the line opens another block of the same kind inside `open`: a fence of the same character, as long or longer, with a language tag. */
export function nestedOpening(text: string, open: Fence): boolean {
  const f = openingFence(text);
  return f !== null && f.char === open.char && f.length >= open.length && f.info !== '';
}

/** A content line without the indentation its fence had. */
export function unindent(text: string, indent: number): string {
  let k = 0;
  while (k < indent && text[k] === ' ') k++;
  return text.slice(k);
}

/**
 * The name on a line that stands alone before a block, with the decoration models put around it
 * removed: a Markdown heading or list marker, a "File:" label, bold, backticks, quotes, a trailing
 * colon. Null when what is left is prose (it has spaces, or is empty).
 */
export function bareName(text: string): string | null {
  let t = text.trim();
  for (let again = true; again; ) {
    const before = t;
    t = t
      .replace(/^#{1,6}\s+/, '')
      .replace(/^(?:[-*+]|\d{1,3}[.)])\s+/, '')
      .replace(/^(?:file(?:name)?|path)\s*:\s*/i, '')
      .replace(/:$/, '')
      .replace(/^(\*\*|__|`|"|')(.*)\1$/, '$2')
      .trim();
    again = t !== before;
  }
  if (t === '' || /\s/.test(t)) return null;
  return t;
}

/** Extensionless file names common enough to be taken for a path on their own. */
const KNOWN_NAMES = /^(?:[A-Za-z]*file|LICEN[CS]E|README|CHANGELOG|NOTICE|AUTHORS|CODEOWNERS|VERSION)$/;

/**
 * Whether a bare name is meant as a path: it has a folder or an extension, exists, or is a
 * well-known extensionless name. Anything else ("Here", "Output") is prose.
 */
export function looksLikePath(name: string, readFile: ReadFile): boolean {
  // An unsafe name is taken for a path, to be refused as one; it is never asked about.
  if (name.includes('/') || /\.[A-Za-z0-9_+-]+$/.test(name) || KNOWN_NAMES.test(name) || unsafePath(name) !== null) return true;
  return readFile(name) !== undefined;
}

/** Why a name may not be written to, worded to follow it; null when it is a safe repository path. */
export function unsafePath(name: string): string | null {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) return 'contains a control character';
  const reason = checkPatchPath(name);
  if (reason !== null) return reason;
  const segments = name.split('/');
  if (segments.some((s) => s === '')) return 'has an empty folder name (a doubled or trailing /)';
  if (segments.some((s) => s === '.')) return "contains a '.' segment";
  return null;
}

export interface NamedPath {
  /** As written, decoration removed. */
  raw: string;
  line: number;
}

export interface ResolvedPath {
  path: string;
  exists: boolean;
}

/**
 * The repository paths the reply's names stand for. `./` is always dropped; an a/ or b/ prefix
 * (a diff habit) is dropped when only the name without it exists, and for a new file only when
 * another name of the reply showed the habit; otherwise a new file under a/ or b/ is refused,
 * since the tool cannot tell a folder named a/ from the habit.
 */
export function resolvePaths(names: readonly NamedPath[], readFile: ReadFile, steps: ConversionStep[]): ResolvedPath[] {
  const first = names.map((name) => {
    let raw = name.raw;
    if (raw.startsWith('./')) {
      while (raw.startsWith('./')) raw = raw.slice(2);
      steps.push({ fix: 'dot-slash-prefix', message: `the path ${JSON.stringify(name.raw)} began with ./; read as ${JSON.stringify(raw)}`, path: raw, line: name.line });
    }
    const reason = unsafePath(raw);
    if (reason !== null) refuse(`the path ${JSON.stringify(raw)} ${reason}`, undefined, name.line);
    if (readFile(raw) !== undefined) return { raw, path: raw, exists: true, prefix: false };
    const stripped = /^[ab]\//.test(raw) ? raw.slice(2) : null;
    if (stripped !== null && unsafePath(stripped) === null && readFile(stripped) !== undefined) return { raw, path: stripped, exists: true, prefix: true };
    return { raw, path: raw, exists: false, prefix: false };
  });
  const habit = first.some((f) => f.prefix);
  return first.map((f, k) => {
    const line = (names[k] as NamedPath).line;
    if (f.prefix) {
      steps.push({ fix: 'ab-prefix', message: `the path ${JSON.stringify(f.raw)} has a diff's ${f.raw.slice(0, 2)} prefix; the file is ${f.path}`, path: f.path, line });
      return { path: f.path, exists: true };
    }
    if (!f.exists && /^[ab]\//.test(f.path)) {
      if (!habit) refuse(`the new file's path ${JSON.stringify(f.path)} starts with ${f.path.slice(0, 2)}, which may be a diff prefix or a folder: write the path as it is in the repository, without a/ or b/`, f.path, line);
      const path = f.path.slice(2);
      if (unsafePath(path) !== null) refuse(`the path ${JSON.stringify(path)} ${unsafePath(path) as string}`, undefined, line);
      steps.push({ fix: 'ab-prefix', message: `the new file's path ${JSON.stringify(f.raw)} has a diff's ${f.raw.slice(0, 2)} prefix like the reply's other paths; the file is ${path}`, path, line });
      return { path, exists: readFile(path) !== undefined };
    }
    return { path: f.path, exists: f.exists };
  });
}

const DELETE_RE = /^\s*(?:[-*+]\s+)?(?:\*\*)?DELETE(?:\*\*)?:?\s+(.+?)\s*$/;

/** A `DELETE path` line of a reply, in either format. */
export interface DeleteItem {
  kind: 'delete';
  raw: string;
  line: number;
}

/**
 * Runs a conversion whose refusals are thrown as ConversionRefusal (from wherever in the reply they
 * are found) and gives them back as a refused result, with the steps taken up to them.
 */
export function converting(steps: ConversionStep[], convert: () => ConversionResult): ConversionResult {
  try {
    return convert();
  } catch (error) {
    if (!(error instanceof ConversionRefusal)) throw error;
    return { ok: false, reason: error.reason, ...(error.path === undefined ? {} : { path: error.path }), ...(error.line === undefined ? {} : { line: error.line }), steps };
  }
}

/** The name on a `DELETE path` line, or null when the line is not one. */
export function deleteLine(text: string): string | null {
  const m = DELETE_RE.exec(text);
  if (!m) return null;
  return bareName(m[1] as string);
}

/** The line ending of a file: '\r' when every line that ends, ends CRLF (the repair engine's rule). */
export function fileEol(content: string): '' | '\r' {
  if (!content.includes('\r\n')) return '';
  const lines = content.split('\n');
  // Every element but the last ends in '\n' (the last is '' or the line without one).
  for (let i = 0; i < lines.length - 1; i++) if (!(lines[i] as string).endsWith('\r')) return '';
  return '\r';
}
