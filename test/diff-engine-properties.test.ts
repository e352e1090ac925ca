/**
 * Properties of the repair engine over generated files and edits: a clean diff passes through
 * untouched; a corrupted one is repaired to exactly the intended file or refused, never anything
 * else; and no input makes it throw. The clean diffs come from a small unified-diff writer below
 * (LCS, git's hunk shape: 3 context lines, hunks merged when 6 or fewer lines apart).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { runs } from './support/fc-seed.js';
import { filesNeeded, repairReply, type FileSource } from '../src/diff/engine.js';

interface Text {
  lines: string[];
  eol: boolean;
}

const render = (t: Text): string => (t.lines.length === 0 ? '' : t.lines.join('\n') + (t.eol ? '\n' : ''));

/** A unified diff of one modified file, as git writes it. */
function unifiedDiff(path: string, a: Text, b: Text): string {
  // Lines compare with their newline: the last line without one differs from the same text with one.
  const tok = (t: Text, i: number): string => t.lines[i] + (i < t.lines.length - 1 || t.eol ? '\n' : '');
  const n = a.lines.length;
  const m = b.lines.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = tok(a, i) === tok(b, j) ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  type Step = { op: ' ' | '-' | '+'; i: number; j: number };
  const steps: Step[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && tok(a, i) === tok(b, j)) steps.push({ op: ' ', i: i++, j: j++ });
    else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) steps.push({ op: '-', i: i++, j });
    else steps.push({ op: '+', i, j: j++ });
  }
  // Within a run of changes, removed lines first (git's order).
  for (let s = 0; s < steps.length; ) {
    if (steps[s]!.op === ' ') {
      s++;
      continue;
    }
    let e = s;
    while (e < steps.length && steps[e]!.op !== ' ') e++;
    const run = steps.slice(s, e);
    steps.splice(s, e - s, ...run.filter((x) => x.op === '-'), ...run.filter((x) => x.op === '+'));
    s = e;
  }
  const changed = steps.map((s, k) => (s.op === ' ' ? -1 : k)).filter((k) => k >= 0);
  if (changed.length === 0) return '';
  const groups: Array<[number, number]> = [];
  for (const k of changed) {
    const last = groups[groups.length - 1];
    if (last && k - last[1] - 1 <= 6) last[1] = k;
    else groups.push([k, k]);
  }
  const out = [`diff --git a/${path} b/${path}`, `--- a/${path}`, `+++ b/${path}`];
  for (const [f, l] of groups) {
    const from = Math.max(0, f - 3);
    const to = Math.min(steps.length - 1, l + 3);
    const body = steps.slice(from, to + 1);
    const oc = body.filter((s) => s.op !== '+').length;
    const nc = body.filter((s) => s.op !== '-').length;
    const os = oc === 0 ? body[0]!.i : body[0]!.i + 1;
    const ns = nc === 0 ? body[0]!.j : body[0]!.j + 1;
    const side = (s: number, c: number): string => (c === 1 ? `${s}` : `${s},${c}`);
    out.push(`@@ -${side(os, oc)} +${side(ns, nc)} @@`);
    for (const s of body) {
      const text = s.op === '+' ? b.lines[s.j]! : a.lines[s.i]!;
      out.push(s.op + text);
      const last = s.op === '+' ? s.j === m - 1 && !b.eol : s.i === n - 1 && !a.eol && (s.op === '-' || s.j === m - 1);
      if (last) out.push('\\ No newline at end of file');
    }
  }
  return `${out.join('\n')}\n`;
}

// With lines that differ only in leading whitespace (' a' and 'a', ' ' and '', '    return x' and
// '   return x'): a context line that lost its leading space reads as such a twin.
const WORDS = ['a', 'b', 'c', '}', '', '\tx := 1', '\treturn x', 'func f() {', '# title', '-- note', ' a', ' }', '    return x', '   return x', ' ', '\t}'];
/** One text has one form: a last empty line without a newline is no line at all. */
function norm(t: Text): Text {
  const lines = [...t.lines];
  let eol = t.eol;
  while (!eol && lines.length > 0 && lines[lines.length - 1] === '') {
    lines.pop();
    eol = true;
  }
  return { lines, eol: lines.length === 0 ? true : eol };
}
const textArb = fc.record({ lines: fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 30 }), eol: fc.boolean() }).map(norm);

/** A base text and an edit of it: a few replaced, inserted and removed lines (up to `del` removed at a place). */
const editedArb = (base: fc.Arbitrary<Text>, del: number, inserted: readonly string[]) =>
  base.chain((a) =>
    fc
      .array(fc.record({ at: fc.nat(a.lines.length), del: fc.nat(del), ins: fc.array(fc.constantFrom(...inserted), { maxLength: 3 }) }), { minLength: 1, maxLength: 3 })
      .chain((edits) => fc.boolean().map((eol) => {
        const lines = [...a.lines];
        for (const e of edits) lines.splice(Math.min(e.at, lines.length), e.del, ...e.ins);
        return { a, b: norm({ lines, eol }) };
      })),
  );
const caseArb = editedArb(textArb, 3, ['NEW', 'b', '', 'x = 2', '\tnew']);

const sourceOf = (path: string, a: Text): FileSource => ({ get: (p) => (p === path ? Buffer.from(render(a)) : null) });

/** `diff` of `a` into `b` comes out byte for byte, with no fix, and gives `b`. */
function passesThrough(diff: string, a: Text, b: Text): void {
  const r = repairReply(diff, sourceOf('f.txt', a), { repoName: null });
  assert.equal(r.ok, true, r.error ?? '');
  assert.equal(r.diff, diff);
  assert.deepEqual(r.fixes, []);
  assert.equal(r.expected[0]?.content?.toString('utf8'), render(b));
}

test('a clean diff of any edit passes through byte for byte, with zero fixes and the right post-image', () => {
  fc.assert(
    fc.property(caseArb, ({ a, b }) => {
      const diff = unifiedDiff('f.txt', a, b);
      fc.pre(diff !== '');
      passesThrough(diff, a, b);
    }),
    { numRuns: runs(800) },
  );
});

/** Lines that may end in '\r' each: a file that mixes CRLF and LF endings, and edits that keep, add or drop '\r's. */
const crWords = fc.constantFrom('a', 'b', '}', '', 'x = 1').chain((w) => fc.constantFrom(w, `${w}\r`));
const mixedCaseArb = editedArb(fc.record({ lines: fc.array(crWords, { minLength: 1, maxLength: 20 }), eol: fc.boolean() }).map(norm), 2, ['NEW', 'NEW\r', 'b\r', '\r', 'x = 2']);

test('a clean diff of a file with mixed line endings passes through byte for byte: a \\r an added line carries is kept', () => {
  fc.assert(
    fc.property(mixedCaseArb, ({ a, b }) => {
      const diff = unifiedDiff('f.txt', a, b);
      fc.pre(diff !== '');
      // The one case taken otherwise (documented): every line of the base ends CRLF and no added
      // line carries '\r' — a model that cannot see line endings writes exactly that.
      const terminated = a.eol ? a.lines : a.lines.slice(0, -1);
      const baseCrlf = terminated.length > 0 && terminated.every((l) => l.endsWith('\r'));
      const added = diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
      fc.pre(!(baseCrlf && !added.some((l) => l.endsWith('\r'))));
      passesThrough(diff, a, b);
    }),
    { numRuns: runs(800) },
  );
});

type Corruption = (lines: string[]) => string[];
const hunkBodyIndexes = (lines: string[], c: string): number[] => lines.flatMap((l, k) => (l[0] === c && !l.startsWith('--- ') && !l.startsWith('+++ ') ? [k] : []));
const CORRUPTIONS: Record<string, (pick: number) => Corruption> = {
  prefixes: () => (ls) => ls.map((l) => l.replace(/^(---|\+\+\+) [ab]\//, '$1 ').replace(/^diff --git a\/(\S+) b\//, 'diff --git $1 ')),
  noDiffGit: () => (ls) => ls.filter((l) => !l.startsWith('diff --git')),
  placeholder: (p) => (ls) => ls.map((l) => (l.startsWith('@@') ? ['@@', '@@ ... @@', '@@ -1 +1 @@', '@@ -XXX @@'][p % 4]! : l)),
  counts: (p) => (ls) => ls.map((l) => l.replace(/^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@/, (_, a, _b, c) => `@@ -${a},${(p % 5) + 1} +${c},${(p % 3) + 2} @@`)),
  numbers: (p) => (ls) => ls.map((l) => l.replace(/^@@ -(\d+)(,\d+)? \+(\d+)/, (_, a, b, c) => `@@ -${Number(a) + (p % 7) + 1}${b ?? ''} +${Number(c) + (p % 7) + 1}`)),
  crlf: () => (ls) => ls.map((l) => (l.endsWith('\r') ? l : `${l}\r`)),
  fence: () => (ls) => ['Here:', '```diff', ...ls, '```', 'Bye.'],
  dropContext: (p) => (ls) => {
    const ctx = hunkBodyIndexes(ls, ' ');
    return ctx.length === 0 ? ls : ls.filter((_, k) => k !== ctx[p % ctx.length]);
  },
  unmarkContext: (p) => (ls) => {
    const ctx = hunkBodyIndexes(ls, ' ');
    return ctx.length === 0 ? ls : ls.map((l, k) => (k === ctx[p % ctx.length] ? l.slice(1) : l));
  },
  tabsToSpaces: () => (ls) => ls.map((l) => (l.startsWith(' \t') ? `     ${l.slice(2)}` : l)),
  reverseHunks: () => (ls) => {
    const head = ls.findIndex((l) => l.startsWith('@@'));
    if (head < 0) return ls;
    const hunks: string[][] = [];
    for (const l of ls.slice(head)) (l.startsWith('@@') ? hunks.push([l]) : hunks[hunks.length - 1]!.push(l));
    return [...ls.slice(0, head), ...hunks.reverse().flat()];
  },
};

/** Corrupted diffs of `cases`: repaired to exactly the intended file, or refused. */
function repairedExactlyOrRefused(cases: fc.Arbitrary<{ a: Text; b: Text }>, numRuns: number, names = Object.keys(CORRUPTIONS)): void {
  fc.assert(
    fc.property(cases, fc.array(fc.tuple(fc.constantFrom(...names), fc.nat(100)), { minLength: 1, maxLength: 3 }), ({ a, b }, picks) => {
      const diff = unifiedDiff('f.txt', a, b);
      fc.pre(diff !== '');
      let ls = diff.slice(0, -1).split('\n');
      // One dropped context line per diff, as in the corpus: with more, the diff can say another edit outright.
      fc.pre(picks.filter(([name]) => name === 'dropContext').length <= 1);
      for (const [name, p] of picks) ls = CORRUPTIONS[name]!(p)(ls);
      const reply = `${ls.join('\n')}\n`;
      const r = repairReply(reply, sourceOf('f.txt', a), { repoName: null });
      if (!r.ok) {
        assert.ok(r.error && !r.error.includes('\n') && r.refusal);
        return;
      }
      assert.equal(r.expected[0]?.content?.toString('utf8'), render(b), `repaired to something else:\n${reply}\n---\n${r.diff}`);
      assert.deepEqual(repairReply(r.diff, sourceOf('f.txt', a), { repoName: null }).fixes, [], 'the repaired diff is clean');
    }),
    { numRuns },
  );
}

test('a corrupted diff is repaired to exactly the intended file, or refused: never anything else', () => {
  repairedExactlyOrRefused(caseArb, runs(2000));
});

// Lines that start with a marker character, as Markdown and YAML lists do, and the lines a marker
// read as such would leave: a context line that loses its space must not turn into another edit.
const LIST_WORDS = ['- a', '- b', ' a', 'a', '+ a', '+ b', ' b', '-- a', '', '# t'];
const listCaseArb = editedArb(
  fc.record({ lines: fc.array(fc.constantFrom(...LIST_WORDS), { minLength: 1, maxLength: 20 }), eol: fc.boolean() }).map(norm),
  2,
  ['- c', '- a', '+ a', ' a', 'a', ''],
);

test('list items: a corrupted diff of lines starting with - or + is repaired to exactly the intended file, or refused', () => {
  // Without dropped lines: in such a text (" a" and "a", "- a" and " a") a dropped line and a lost
  // marker or space together can say another edit outright, as two dropped lines can anywhere.
  repairedExactlyOrRefused(listCaseArb, runs(3000), Object.keys(CORRUPTIONS).filter((name) => name !== 'dropContext'));
});

test('list items: one dropped context line, alone or with the other corruptions of headers, is repaired to exactly the intended file, or refused', () => {
  // What the test above leaves out, without the corruptions of context markers and whitespace that
  // can make such a text say another edit more simply (' a' that lost its marker is a context line
  // of 'a', and a second lost line then gives the hunk a reading of its own), and without counts
  // rewritten at random: where they happen to count what the dropped line left, the diff is a
  // valid one of another edit ("- c" lines added before "- a" with one line of context, as
  // `git diff -U1` writes it; FC_SEED=-1770611761 FC_RUNS=5), which the engine does as git would.
  repairedExactlyOrRefused(listCaseArb, runs(3000), Object.keys(CORRUPTIONS).filter((name) => name !== 'unmarkContext' && name !== 'tabsToSpaces' && name !== 'counts'));
});

const PIECES = [
  'diff --git a/f.txt b/f.txt', 'diff --git ', '--- a/f.txt', '+++ b/f.txt', '--- /dev/null', '+++ /dev/null', '--- f.txt', '+++ f.txt',
  '@@ -1,2 +1,3 @@', '@@ -0,0 +1 @@', '@@ -99999999999999999999,1 +1 @@', '@@', '@@ ... @@', ' a', ' b', '+a', '-a', '-b', '', '}',
  '\\ No newline at end of file', '```diff', '```', '<think>', '</think>', 'rename from f.txt', 'rename to g.txt', 'new file mode 100644',
  'deleted file mode 100644', 'old mode 100644', 'new mode 100755', 'GIT binary patch', 'index 1234567..89abcde 100644',
];

test('repairReply and filesNeeded never throw, on arbitrary strings or diff-like line soups', () => {
  const files: FileSource = { get: (p) => (p === 'f.txt' ? Buffer.from('a\nb\n}\n') : p === 'g.txt' ? null : undefined) };
  const check = (reply: string): void => {
    assert.ok(Array.isArray(filesNeeded(reply, { repoName: 'f.txt' })));
    const r = repairReply(reply, files, { repoName: 'repo' });
    if (r.ok) assert.ok(r.diff.endsWith('\n') && r.error === null);
    else assert.ok(r.error && !r.error.includes('\n') && r.diff === '');
  };
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), check), { numRuns: runs(1000) });
  const line = fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 10 }));
  const soup = fc.tuple(fc.array(line, { maxLength: 40 }), fc.constantFrom('\n', '\r\n'), fc.boolean()).map(([ls, sep, end]) => ls.join(sep) + (end ? sep : ''));
  fc.assert(fc.property(soup, check), { numRuns: runs(2500) });
});

/**
 * Files full of equal lines (blank lines, "}") where a diff lost one context line: the hunk then
 * fits in several alignments. Those that change the same lines into the same text are one
 * reading and are taken; the result must be the intended file every time.
 */
test('alignments taken as one reading (same lines, same result) always give the intended file', () => {
  const repeats = fc.record({ lines: fc.array(fc.constantFrom('', '', '}', 'a', 'b', '\tx := 1'), { minLength: 4, maxLength: 24 }), eol: fc.constant(true) }).map(norm);
  const editArb = repeats.chain((a) =>
    fc.record({ at: fc.nat(a.lines.length), del: fc.nat(1), ins: fc.array(fc.constantFrom('NEW', '', 'x = 2'), { minLength: 1, maxLength: 2 }) }).map((e) => {
      const lines = [...a.lines];
      lines.splice(Math.min(e.at, lines.length), e.del, ...e.ins);
      return { a, b: norm({ lines, eol: true }) };
    }),
  );
  let taken = 0;
  fc.assert(
    fc.property(editArb, fc.nat(100), ({ a, b }, p) => {
      const diff = unifiedDiff('f.txt', a, b);
      fc.pre(diff !== '');
      const reply = `${CORRUPTIONS.dropContext!(p)(diff.slice(0, -1).split('\n')).join('\n')}\n`;
      const r = repairReply(reply, sourceOf('f.txt', a), { repoName: null });
      if (!r.ok || !r.fixes.some((f) => f.kind === 'same-result-readings')) return;
      taken++;
      assert.equal(r.expected[0]?.content?.toString('utf8'), render(b), `repaired to something else:\n${reply}\n---\n${r.diff}`);
    }),
    { numRuns: runs(3000) },
  );
  assert.ok(taken > 0, 'no case had alignments with the same result');
});

/** git's abbreviated blob id of a text, as its `index` line shows it. */
const blobId = (t: Text): string => createHash('sha1').update(`blob ${Buffer.byteLength(render(t))}\0`).update(render(t)).digest('hex').slice(0, 7);
const withIndexLine = (diff: string, oldId: string, newId: string): string => diff.replace(/^(diff --git [^\n]*\n)/, `$1index ${oldId}..${newId} 100644\n`);
/** Git's corruptions plus a lost `\ No newline at end of file` line, which leaves an end-of-file change with two readings. */
const WITH_MARKER_LOSS: Record<string, (pick: number) => Corruption> = { ...CORRUPTIONS, dropMarker: () => (ls) => ls.filter((l) => !l.startsWith('\\ ')) };

/**
 * What a diff says read strictly, as `git apply` without fuzz does: each hunk at the line its header
 * names, every context and removed line equal to the file's there. Null when some hunk does not
 * fit so (or has no numbers). A corruption that leaves a diff fitting strictly elsewhere (line
 * numbers shifted onto a second place the same lines fit, with git's shape there too) has made a
 * diff of another edit, which no rule can tell from the intended one.
 */
function strictApply(reply: string, a: Text): string | null {
  const ls = reply.replace(/\r$/gm, '').split('\n');
  const out: string[] = [];
  let at = 0;
  let eol = a.eol;
  for (let i = 0; i < ls.length; i++) {
    const m = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@/.exec(ls[i]!);
    if (!m) continue;
    const start = Number(m[2] === '0' ? Number(m[1]) : Number(m[1]) - 1);
    if (start < at) return null;
    out.push(...a.lines.slice(at, start));
    at = start;
    for (i++; i < ls.length && /^[ +\-\\]/.test(ls[i]!) && !ls[i]!.startsWith('@@'); i++) {
      const l = ls[i]!;
      if (l.startsWith('\\')) {
        if (ls[i - 1]!.startsWith('+') || ls[i - 1]!.startsWith(' ')) eol = false;
        continue;
      }
      if (l[0] === '+') out.push(l.slice(1));
      else if (a.lines[at] !== l.slice(1)) return null;
      else {
        if (l[0] === ' ') out.push(l.slice(1));
        at++;
      }
    }
    i--;
  }
  out.push(...a.lines.slice(at));
  return render(norm({ lines: out, eol: at < a.lines.length ? a.eol : eol }));
}

/**
 * Files of few distinct lines, so a corrupted hunk often has several readings (two places, two
 * sides of added lines for a dropped line, a lost marker). With the `index` line git writes, a
 * reading is taken only when its result is the file the line names: it must be the intended file
 * every time; and the same diff whose index line does not name the base file is refused.
 */
test('a reading taken by the index line is always the intended file, and only an index line naming the base file takes one', () => {
  const repeats = fc.record({ lines: fc.array(fc.constantFrom('', '', '}', 'a', 'b', '\tx := 1'), { minLength: 3, maxLength: 24 }), eol: fc.boolean() }).map(norm);
  const editArb = repeats.chain((a) =>
    fc
      .array(fc.record({ at: fc.nat(a.lines.length), del: fc.nat(2), ins: fc.array(fc.constantFrom('NEW', '', '}', 'x = 2'), { maxLength: 3 }) }), { minLength: 1, maxLength: 2 })
      .chain((edits) => fc.boolean().map((eol) => {
        const lines = [...a.lines];
        for (const e of edits) lines.splice(Math.min(e.at, lines.length), e.del, ...e.ins);
        return { a, b: norm({ lines, eol }) };
      })),
  );
  const names = Object.keys(WITH_MARKER_LOSS);
  let taken = 0;
  fc.assert(
    fc.property(editArb, fc.array(fc.tuple(fc.constantFrom(...names), fc.nat(100)), { minLength: 1, maxLength: 3 }), ({ a, b }, picks) => {
      const diff = unifiedDiff('f.txt', a, b);
      fc.pre(diff !== '' && render(a) !== render(b));
      fc.pre(picks.filter(([name]) => name === 'dropContext').length <= 1);
      let ls = withIndexLine(diff, blobId(a), blobId(b)).slice(0, -1).split('\n');
      for (const [name, p] of picks) ls = WITH_MARKER_LOSS[name]!(p)(ls);
      const reply = `${ls.join('\n')}\n`;
      const r = repairReply(reply, sourceOf('f.txt', a), { repoName: null });
      if (!r.ok) return;
      const byIndexLine = r.fixes.some((f) => f.kind === 'index-line-reading');
      // A lost marker the diff's lines do not show leaves a diff that says another file outright;
      // so do numbers shifted onto a second strict fit.
      if (!byIndexLine && picks.some(([name]) => name === 'dropMarker')) return;
      if (!byIndexLine && r.expected[0]?.content?.toString('utf8') === strictApply(reply, a) && picks.some(([name]) => name === 'numbers')) return;
      assert.equal(r.expected[0]?.content?.toString('utf8'), render(b), `repaired to something else:\n${reply}\n---\n${r.diff}`);
      assert.deepEqual(repairReply(r.diff, sourceOf('f.txt', a), { repoName: null }).fixes, [], 'the repaired diff is clean');
      if (!byIndexLine) return;
      taken++;
      // The same diff, its index line written against another base: the readings stay a refusal.
      const other = blobId({ lines: [...a.lines, 'other'], eol: true });
      const foreign = repairReply(reply.replace(`index ${blobId(a)}..`, `index ${other}..`), sourceOf('f.txt', a), { repoName: null });
      assert.equal(foreign.ok, false, `taken without an index line naming the base:\n${reply}`);
    }),
    { numRuns: runs(3000) },
  );
  assert.ok(taken > 0, 'no case had its reading taken by the index line');
});

/**
 * The as-written check (src/diff/repair/as-written.ts) takes a clean file patch without the full
 * repair; it must decide exactly as the full repair does (same outcome, byte for byte) on any
 * reply, and take most clean diffs of files whose lines are mostly distinct. Replies of two files,
 * one of them corrupted, take one file each way in the same reply.
 */
test('a file patch the as-written check takes is repaired exactly as the full repair repairs it', () => {
  // Mostly distinct lines, so hunks usually fit once; a few repeats and list items, and often a
  // copy of a run of lines elsewhere in the file, so that a hunk inside it fits twice.
  const distinct = fc
    .record({
      lines: fc.tuple(
        fc.uniqueArray(fc.nat(500), { minLength: 1, maxLength: 40 }),
        fc.array(fc.tuple(fc.nat(40), fc.constantFrom(...WORDS, '- item', '+ x')), { maxLength: 2 }),
        fc.option(fc.tuple(fc.nat(40), fc.integer({ min: 4, max: 14 }), fc.nat(40))),
      ).map(([keys, extra, copy]) => {
        const lines = keys.map((k) => `line ${k}`);
        for (const [at, word] of extra) lines.splice(at, 0, word);
        if (copy !== null) lines.splice(copy[2], 0, ...lines.slice(copy[0], copy[0] + copy[1]));
        return lines;
      }),
      eol: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    })
    .map(norm);
  const cases = fc.oneof({ weight: 3, arbitrary: editedArb(distinct, 3, ['NEW', 'line 7', '', 'x = 2', '- item']) }, caseArb, listCaseArb, mixedCaseArb);
  const names = Object.keys(WITH_MARKER_LOSS);
  let taken = 0;
  let clean = 0;
  fc.assert(
    fc.property(cases, cases, fc.array(fc.tuple(fc.constantFrom(...names), fc.nat(100)), { maxLength: 2 }), fc.nat(2), fc.nat(30), ({ a, b }, other, picks, which, section) => {
      const diffs = [unifiedDiff('f.txt', a, b), unifiedDiff('g.txt', other.a, other.b)];
      fc.pre(diffs[0] !== '' && diffs[1] !== '');
      // Corrupted: the first file's patch, the second's, or (which === 2) neither. Hunk headers
      // carry a section text, some line of the file, on two replies in three: a hint that may
      // point at the stated place, at another, or at none (`line 7` lines are function lines).
      const patches = diffs.map((diff, k) => {
        let ls = diff.slice(0, -1).split('\n');
        const base = k === 0 ? a : other.a;
        let hunk = 0;
        if (section % 3 !== 0) ls = ls.map((l) => (/^@@ [^@]*@@$/.test(l) ? `${l} ${base.lines[(section + hunk++) % base.lines.length]!}` : l));
        if (k === which) for (const [name, p] of picks) ls = WITH_MARKER_LOSS[name]!(p)(ls);
        return ls.join('\n');
      });
      const reply = `${patches.join('\n')}\n`;
      const source: FileSource = { get: (p) => (p === 'f.txt' ? Buffer.from(render(a)) : p === 'g.txt' ? Buffer.from(render(other.a)) : null) };
      const paths: string[] = [];
      const fast = repairReply(reply, source, { repoName: null, takenAsWritten: (path) => paths.push(path) });
      const full = repairReply(reply, source, { repoName: null, asWritten: false });
      assert.deepEqual(fast, full, `decided otherwise than the full repair (took ${paths.join(', ')}):\n${reply}`);
      taken += paths.length;
      clean += which === 2 || picks.length === 0 ? 2 : 1;
    }),
    { numRuns: runs(3000) },
  );
  // A share of the clean diffs here are of files with mostly distinct lines, ending in a newline: the check must take those.
  assert.ok(taken > clean / 8, `the as-written check took ${taken} file patches of ${clean} clean ones`);
});
