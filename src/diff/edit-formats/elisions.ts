/**
 * Telling an elided reply from a complete one. A whole-file or REPLACE text that leaves out part
 * of a file and says so ("// ... existing code ...", "# rest unchanged"), or stands a "..." line in
 * for lines it removes, or stops in the middle of the file, would delete that code if taken
 * literally; the tool never fills it in by guessing, so such replies are refused with the line.
 *
 * Only lines the reply adds are judged: a marker-like comment that is already in the file is
 * content. The rules are in docs/edit-formats.md.
 */
import { refuse, type ReplyLine } from './reply-lines.js';
import type { Op } from './unified.js';

// \u2026 (an ellipsis), escaped for the regular expression: the bundle stays ASCII.
const ELLIPSIS = String.raw`(?:\.\s?\.\s?\.|\u2026)`;

/** Comment openers and closers of the languages models write, and brackets around a note. */
const LEADER = /^(?:\/\/+|#+|\/\*+|\*+|--+|<!--|;+|%+|"""|'''|\{\/\*|rem\s)\s*/i;
const CLOSER = /\s*(?:\*+\/\}?|-->|"""|''')$/;
const BRACKETS: ReadonlyArray<[string, string]> = [['[', ']'], ['(', ')'], ['{', '}']];

const SUBJECT = /\b(?:rest|remainder|remaining|existing|other|previous|original|earlier)\b/;
const UNCHANGED = /\b(?:unchanged|omitted|elided|truncated|brevity|as before|as-is|as is|the same|not shown|skipped|remains|stays)\b/;
const SHORT_NOTE = /^(?:the\s+)?(?:existing|remaining|previous|original|other|unchanged|more)\s+(?:code|content|implementation|methods|functions|imports|tests|lines|logic|fields|cases|definitions|declarations|statements|members|properties|handlers)(?:\s+here)?$/;
const STARTS_ELLIPSIS = new RegExp(`^${ELLIPSIS}`);
const HAS_ELLIPSIS = new RegExp(ELLIPSIS);
const ONLY_ELLIPSIS = new RegExp(`^${ELLIPSIS}$`);
const ELLIPSIS_IN_BRACKETS = new RegExp(String.raw`[{(\[]\s*${ELLIPSIS}\s*[})\]]`);

/** The text of a line that is only a note (a comment, or something in brackets), or null for code. */
function noteBody(text: string): string | null {
  const t = text.trim();
  const m = LEADER.exec(t);
  if (m) return t.slice(m[0].length).replace(CLOSER, '').trim();
  for (const [open, close] of BRACKETS) {
    if (!t.startsWith(open) || !t.endsWith(close) || t.length < 2) continue;
    const body = t.slice(1, -1).trim();
    // {...props} is a spread in JSX, not a note.
    return /^\.\.\.[\w$]+$/.test(body) ? null : body;
  }
  return null;
}

/**
 * Whether an added line is a note saying code was left out: a comment or bracketed note that
 * starts with an ellipsis ("// ...", "# ... existing code ..."), names the rest of the code as
 * unchanged or omitted ("# rest unchanged", "// other methods remain the same"), is a short
 * placeholder ("// existing code", "// other tests"), or pairs an ellipsis with such a subject.
 */
export function isElisionNote(text: string): boolean {
  const body = noteBody(text);
  if (body === null) return false;
  const lower = body.toLowerCase();
  if (lower === '') return false;
  if (STARTS_ELLIPSIS.test(lower)) return true;
  if (SUBJECT.test(lower) && UNCHANGED.test(lower)) return true;
  const words = lower.replace(new RegExp(ELLIPSIS, 'g'), ' ').replace(/[^\w\s-]/g, ' ').trim().replace(/\s+/g, ' ');
  if (SHORT_NOTE.test(words)) return true;
  return HAS_ELLIPSIS.test(lower) && (SUBJECT.test(lower) || /\bcode\b/.test(lower));
}

/**
 * Whether an added line could stand for code: a line that is only an ellipsis, or a body written
 * as one ("func f() { ... }"). Such a line is valid code in some languages (a Python stub), so it
 * counts as an elision only where the change it belongs to removes lines of the file.
 */
export function isEllipsisLine(text: string): boolean {
  const t = text.trim();
  return ONLY_ELLIPSIS.test(t) || ELLIPSIS_IN_BRACKETS.test(t);
}

const PAIRS: ReadonlyArray<[string, string]> = [['{', '}'], ['(', ')'], ['[', ']']];

/** Openers minus closers, per kind of bracket. */
function bracketDebt(text: string): number[] {
  return PAIRS.map(([open, close]) => {
    let debt = 0;
    for (const ch of text) {
      if (ch === open) debt++;
      else if (ch === close) debt--;
    }
    return debt;
  });
}

const CONTINUES = /[{([,\\]$/;

/**
 * Why a new version that removes lines of the file looks cut off rather than shortened on
 * purpose, or null: it leaves more brackets open than the file did (strings and comments with
 * brackets are in both, so they cancel out), or, when it drops the file's last lines, its last
 * line ends as a line that continues does.
 */
export function cutOffReason(before: string, after: string, tailDropped: boolean): string | null {
  const was = bracketDebt(before);
  const now = bracketDebt(after);
  for (let k = 0; k < PAIRS.length; k++) {
    // More openers than closers, and more than the file had: a stray closer removed is no cut.
    if ((now[k] as number) > Math.max(was[k] as number, 0)) {
      const [open, close] = PAIRS[k] as [string, string];
      return `it leaves ${(now[k] as number) - Math.max(was[k] as number, 0)} more '${open}' open than the file does (no matching '${close}')`;
    }
  }
  if (!tailDropped) return null;
  const lastOf = (s: string): string => s.trimEnd().split('\n').pop()?.trimEnd() ?? '';
  const last = lastOf(after);
  if (CONTINUES.test(last) && !CONTINUES.test(lastOf(before))) return `its last line ${JSON.stringify(last)} ends as a line that continues`;
  return null;
}

/**
 * A placeholder note among the lines the block adds, or an ellipsis line standing where the same
 * change removes lines of the file, means the model left code out.
 */
export function refuseElisions(path: string, ops: readonly Op[], content: readonly ReplyLine[], original: string | undefined): void {
  for (let s = 0; s < ops.length; ) {
    if ((ops[s] as Op).op === ' ') {
      s++;
      continue;
    }
    let e = s;
    while (e < ops.length && (ops[e] as Op).op !== ' ') e++;
    const run = ops.slice(s, e);
    for (const o of run) {
      if (o.op !== '+') continue;
      const l = content[o.j] as ReplyLine;
      if (isElisionNote(l.text) || (isEllipsisLine(l.text) && removesNear(ops, s, e))) {
        const what = original === undefined ? 'the new file' : 'the file';
        refuse(`line ${l.n} of the reply stands for code it leaves out of ${path} (${JSON.stringify(l.text.trim().slice(0, 80))}): give ${what}'s whole content, every line, with no placeholder`, path, l.n);
      }
    }
    s = e;
  }
}

/**
 * Whether lines of the file are removed by the run of changes ops[s..e) or by one at most three
 * unchanged lines away: the alignment may keep a blank line of the file between an ellipsis and
 * the code it stands for.
 */
function removesNear(ops: readonly Op[], s: number, e: number): boolean {
  const NEAR = 3;
  for (const dir of [-1, 1] as const) {
    let same = 0;
    for (let k = dir < 0 ? e - 1 : s; k >= 0 && k < ops.length && same <= NEAR; k += dir) {
      const op = (ops[k] as Op).op;
      if (op === '-') return true;
      same = op === ' ' ? same + 1 : 0;
    }
  }
  return false;
}
