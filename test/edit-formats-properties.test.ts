/**
 * Properties of the edit-format conversions over generated files: a whole-file reply of any new
 * content converts to a diff that reproduces it exactly (checked by the repair engine, which must
 * pass the diff through with no fixes, and by git apply); minimal SEARCH/REPLACE blocks do the
 * same; the faults small models make give the same diff or a refusal, never another change; and
 * no reply makes a conversion throw.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runs } from './support/fc-seed.js';
import { convertSearchReplaceReply, convertWholeReply, replyPathsNeeded } from '../src/diff/edit-formats/index.js';
import { cutOffReason } from '../src/diff/edit-formats/elisions.js';
import { unsafePath } from '../src/diff/edit-formats/reply-lines.js';
import { engineApply, gitApply, reader, type Files } from './support/edit-format-check.js';
import { minimalBlocks, searchReplaceReply, wholeReply } from './support/edit-format-replies.js';
import { removeRepos } from './support/git-fixture.js';

after(removeRepos);

// Lines as code has them: repeated ones, blank ones, indentation, a fence a Markdown file holds,
// and lines that differ only in leading whitespace (a line of spaces among them).
const WORDS = ['a', 'b', 'c', '}', '', '\tx := 1', '\treturn x', 'func f() {', '# title', '    y = 2', '```go', '```', 'end;', ' a', ' ', '   return x', '    return x', ' }'];

interface Text {
  lines: string[];
  eol: boolean;
}
const render = (t: Text): string => (t.lines.length === 0 ? '' : t.lines.join('\n') + (t.eol ? '\n' : ''));
const trailingBlank = (lines: readonly string[]): number => {
  let n = 0;
  while (n < lines.length && lines[lines.length - 1 - n] === '') n++;
  return n;
};

const textArb = fc.record({ lines: fc.array(fc.constantFrom(...WORDS), { minLength: 0, maxLength: 25 }), eol: fc.boolean() }).map((t) => {
  const lines = [...t.lines];
  let eol = t.eol;
  // One text, one form: a last empty line without a newline is no line at all.
  while (!eol && lines.length > 0 && lines[lines.length - 1] === '') {
    lines.pop();
    eol = true;
  }
  return { lines, eol: lines.length === 0 ? true : eol };
});

/**
 * An old text and a new one a whole-file block can state: the final newline as the old file's (a
 * block cannot show it), and no more blank lines at the end than the old file has.
 */
const editArb = textArb.chain((a) =>
  fc.array(fc.record({ at: fc.nat(a.lines.length), del: fc.nat(3), ins: fc.array(fc.constantFrom('NEW', 'b', '', '\tnew', '```'), { maxLength: 3 }) }), { minLength: 1, maxLength: 3 }).map((edits) => {
    const lines = [...a.lines];
    for (const e of edits) lines.splice(Math.min(e.at, lines.length), e.del, ...e.ins);
    while (trailingBlank(lines) > trailingBlank(a.lines)) lines.pop();
    return { a, b: { lines, eol: a.eol || lines.length === 0 } };
  }),
);

type Fault = (reply: string) => string;
const WHOLE_FAULTS: Record<string, Fault> = {
  none: (r) => r,
  prose: (r) => `Sure! Here is the updated file.\n\n${r}\nLet me know if you need anything else.\n`,
  crlf: (r) => r.replace(/\n/g, '\r\n'),
  dotSlash: (r) => r.replace(/^f\.txt$/m, './f.txt'),
  abPrefix: (r) => r.replace(/^f\.txt$/m, 'b/f.txt'),
  boldPath: (r) => r.replace(/^f\.txt$/m, '**f.txt**:'),
  language: (r) => r.replace(/^(`{3,})$/m, '$1text'),
  noFinalNewline: (r) => r.replace(/\n$/, ''),
};

test('a whole-file reply of any new content converts to a diff that reproduces it exactly', () => {
  fc.assert(
    fc.property(editArb, fc.constantFrom(...Object.keys(WHOLE_FAULTS)), ({ a, b }, fault) => {
      const before = render(a);
      const after = render(b);
      // A block cannot empty a file (an empty block for a file is refused: DELETE or a diff says it),
      // and new content that drops the end and stops mid-structure is refused as cut off (the rule).
      fc.pre(before !== after && (after !== '' || before === '') && cutOffReason(before, after, true) === null);
      const pre: Files = { 'f.txt': before, 'other.txt': 'x\n' };
      const reply = (WHOLE_FAULTS[fault] as Fault)(wholeReply([{ path: 'f.txt', before, after }]));
      const r = convertWholeReply(reply, reader(pre));
      assert.equal(r.ok, true, r.ok ? '' : `${r.reason}\n${JSON.stringify(reply)}`);
      if (!r.ok) return;
      assert.deepEqual(engineApply(pre, r.diff), { 'f.txt': after, 'other.txt': 'x\n' });
      // Deterministic, and the faults change the steps, never the diff.
      const clean = convertWholeReply(wholeReply([{ path: 'f.txt', before, after }]), reader(pre));
      assert.ok(clean.ok && clean.diff === r.diff);
    }),
    { numRuns: runs(600) },
  );
});

test('a whole-file reply creating or deleting files gives the files exactly, and git agrees', async () => {
  await fc.assert(
    fc.asyncProperty(editArb, fc.boolean(), async ({ a, b }, alsoDelete) => {
      const before = render(a);
      const after = render(b);
      fc.pre(before !== after);
      fc.pre((after !== '' || before === '') && cutOffReason(before, after, true) === null);
      const pre: Files = { 'f.txt': before, 'gone.txt': 'bye\n' };
      // A new file gets no blank lines at its end from its block (see the conversion rules).
      const created = render({ lines: b.lines.slice(0, b.lines.length - trailingBlank(b.lines)), eol: true });
      const edits = [{ path: 'f.txt', before, after }, { path: 'new/n.txt', before: null, after: created }];
      if (alsoDelete) edits.push({ path: 'gone.txt', before: 'bye\n', after: null as unknown as string });
      const r = convertWholeReply(wholeReply(edits), reader(pre));
      assert.equal(r.ok, true, r.ok ? '' : r.reason);
      if (!r.ok) return;
      const want: Record<string, string | null> = { 'f.txt': after, 'new/n.txt': created, 'gone.txt': alsoDelete ? null : 'bye\n' };
      const post = engineApply(pre, r.diff);
      assert.deepEqual(Object.fromEntries(Object.keys(want).map((p) => [p, post[p] ?? null])), want);
      assert.deepEqual(await gitApply(pre, r.diff, Object.keys(want)), want);
    }),
    { numRuns: runs(25) },
  );
});

const SR_FAULTS: Record<string, (blocks: ReturnType<typeof minimalBlocks> & object) => typeof blocks> = {
  none: (bs) => bs,
  reversed: (bs) => [...bs].reverse(),
  // Whitespace drift in one SEARCH line: matched once whitespace is ignored, or refused as ambiguous.
  drift: (bs) => bs.map((bl, k) => (k === 0 && bl.search.length > 0 ? { ...bl, search: bl.search.map((l, i) => (i === 0 ? `  ${l.replace(/^\t/, '    ')} ` : l)) } : bl)),
  // A line inside a SEARCH dropped: refused (never restored as if it were unchanged, nor matched elsewhere).
  dropped: (bs) => bs.map((bl, k) => (k === 0 && bl.search.length > 2 ? { ...bl, search: bl.search.filter((_, i) => i !== Math.floor(bl.search.length / 2)) } : bl)),
};

test('minimal SEARCH/REPLACE blocks reproduce the new content exactly; their faults give it too or are refused', () => {
  fc.assert(
    fc.property(editArb, fc.constantFrom(...Object.keys(SR_FAULTS)), ({ a, b }, fault) => {
      const before = render(a);
      const after = render(b);
      fc.pre(before !== after);
      const blocks = minimalBlocks('f.txt', before, after);
      fc.pre(blocks !== null);
      const pre: Files = { 'f.txt': before };
      const r = convertSearchReplaceReply(searchReplaceReply((SR_FAULTS[fault] as (x: typeof blocks) => typeof blocks)(blocks!)!), reader(pre));
      if (fault === 'none' || fault === 'reversed') assert.equal(r.ok, true, r.ok ? '' : `${r.reason}\n${searchReplaceReply(blocks!)}`);
      if (!r.ok) return;
      assert.deepEqual(engineApply(pre, r.diff), { 'f.txt': after });
    }),
    { numRuns: runs(600) },
  );
});

test('no reply makes a conversion throw, and it asks only about the paths replyPathsNeeded lists', () => {
  const line = fc.oneof(
    fc.constantFrom('f.txt', './f.txt', 'b/f.txt', 'DELETE f.txt', '```', '```go', '~~~', '<<<<<<< SEARCH', '=======', '>>>>>>> REPLACE', '// ... existing code ...', '...', '', 'a', '}', '/etc/x', '../x', '..', '.git', 'new.txt', 'a//b.txt'),
    fc.string({ maxLength: 12 }),
  );
  fc.assert(
    fc.property(fc.array(line, { maxLength: 30 }), fc.boolean(), (lines, crlf) => {
      const reply = lines.join(crlf ? '\r\n' : '\n');
      for (const [format, convert] of [['whole', convertWholeReply], ['search-replace', convertSearchReplaceReply]] as const) {
        // What convertAndValidate reads: the listed paths that are safe to ask git about.
        const allowed = new Set(replyPathsNeeded(format, reply).filter((p) => unsafePath(p) === null));
        const read = (p: string): string | undefined => {
          assert.ok(allowed.has(p), `${format} asked about ${JSON.stringify(p)}, not in ${JSON.stringify([...allowed])}`);
          return p === 'f.txt' ? 'a\n}\n' : undefined;
        };
        const r = convert(reply, read);
        assert.equal(typeof r.ok, 'boolean');
      }
    }),
    { numRuns: runs(1500) },
  );
});
