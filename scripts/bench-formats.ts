/**
 * `npm run bench:formats`: how the whole-file and SEARCH/REPLACE conversions fare on replies with
 * the faults small models make. From each case of the diff corpus (../shared/diff-corpus, or
 * --cases DIR: the files before and after a real commit), replies are written in each format (the
 * post-image as whole files; minimal SEARCH/REPLACE blocks), then spoiled one fault at a time, and
 * converted in process against the case's pre/ files. Each result is:
 *
 *   exact    the diff gives exactly post/ (the repair engine passes it through with no fixes and
 *            computes that post-image; with --git, `git apply` in a repository of pre/ agrees)
 *   refused  the conversion refused the reply
 *   wrong    anything else: a diff that does not give post/, or one the engine had to repair
 *
 * Target: 0 wrong, and every elision refused. n/a: the fault cannot be made for the case (no
 * unchanged run to elide, no SEARCH with an inside line to drop, ...).
 *
 *   node build-test/scripts/bench-formats.js [--cases DIR] [--only ID,ID] [--git] [--show wrong|refused|all] [--json FILE]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { repairReply } from '../src/diff/engine.js';
import { convertSearchReplaceReply, convertWholeReply, type ConversionResult } from '../src/diff/edit-formats/index.js';
import { editScript, splitFile } from '../src/diff/edit-formats/unified.js';
import { minimalBlocks, searchReplaceReply, wholeReply, type FileEdit, type SearchReplaceBlock } from '../test/support/edit-format-replies.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: path.resolve(projectRoot, '../shared/diff-corpus/cases') },
    only: { type: 'string' },
    git: { type: 'boolean', default: false },
    show: { type: 'string', default: 'wrong' },
    json: { type: 'string' },
  },
});

type Files = Map<string, string>;

function readTree(dir: string): Files {
  const out: Files = new Map();
  const walk = (rel: string): void => {
    const abs = path.join(dir, rel);
    if (!fs.existsSync(abs)) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.set(r, fs.readFileSync(path.join(dir, r), 'utf8'));
    }
  };
  walk('');
  return out;
}

interface Case {
  id: string;
  pre: Files;
  post: Files;
  edits: FileEdit[];
}

/**
 * A reply with a fault, or null when the fault cannot be made for this case; with the post-image
 * it must give when that is not post/ (a fault that changes content the reply states), and a step
 * the conversion must log.
 */
type Maker = (c: Case) => string | { reply: string; post: Files; step: string } | null;

const commentFor = (p: string, text: string): string => (/\.(?:ya?ml|mod|sum|sh|gitignore)$|(?:^|\/)Makefile$/.test(p) ? `# ${text}` : /\.md$/.test(p) ? `<!-- ${text} -->` : `// ${text}`);

/** The modified files, with the unchanged lines of the new version (indexes into its lines). */
function unchangedRuns(e: FileEdit): Array<[number, number]> {
  if (e.before === null || e.after === null) return [];
  const a = splitFile(e.before);
  const b = splitFile(e.after);
  const ops = editScript(a, b, (l) => l.text);
  const runs: Array<[number, number]> = [];
  let start = -1;
  ops.forEach((o, k) => {
    const same = o.op === ' ';
    if (same && start < 0) start = o.j;
    if ((!same || k === ops.length - 1) && start >= 0) {
      runs.push([start, same ? o.j + 1 : o.j]);
      start = -1;
    }
  });
  return runs;
}

/** The whole-file reply with the longest unchanged run (at least `min` lines) of some modified file replaced by `marker(indent)`. */
function elideRun(c: Case, min: number, marker: (e: FileEdit, indent: string) => string): string | null {
  let best: { e: FileEdit; run: [number, number] } | null = null;
  for (const e of c.edits) {
    for (const run of unchangedRuns(e)) if (run[1] - run[0] >= min && (!best || run[1] - run[0] > best.run[1] - best.run[0])) best = { e, run };
  }
  if (!best) return null;
  const { e, run } = best;
  const lines = (e.after as string).split('\n');
  const indent = /^\s*/.exec(lines[run[0] + 1] ?? '')?.[0] ?? '';
  // Keep the run's first and last line, as a model does around what it leaves out.
  lines.splice(run[0] + 1, run[1] - run[0] - 2, `${indent}${marker(e, indent)}`);
  return wholeReply(c.edits.map((x) => (x === e ? { ...x, after: lines.join('\n') } : x)), 'go');
}

/** Where a file cut short at line k leaves more brackets open than the whole file. */
function midStructureCut(text: string): number | null {
  const lines = text.split('\n');
  let debt = 0;
  const total = [...text].reduce((d, ch) => d + (ch === '{' ? 1 : ch === '}' ? -1 : 0), 0);
  let pick: number | null = null;
  lines.forEach((l, k) => {
    for (const ch of l) debt += ch === '{' ? 1 : ch === '}' ? -1 : 0;
    if (k >= lines.length / 2 && pick === null && debt > Math.max(total, 0) && k < lines.length - 2) pick = k + 1;
  });
  return pick;
}

const finalNewline = (t: string): boolean => t === '' || t.endsWith('\n');
const trailingBlank = (t: string): number => {
  const lines = splitFile(t).map((l) => l.text);
  let n = 0;
  while (n < lines.length && (lines[lines.length - 1 - n] as string).trim() === '') n++;
  return n;
};

/**
 * Whether whole-file blocks can state the case's change: a block cannot add or remove a final
 * newline (the file's is kept; a new file gets one), add blank lines at the end, or empty a file.
 */
function wholeExpressible(c: Case): boolean {
  return c.edits.every((e) => {
    if (e.after === null) return true;
    if (e.before === null) return finalNewline(e.after) && trailingBlank(e.after) === 0;
    return finalNewline(e.after) === finalNewline(e.before) && trailingBlank(e.after) <= trailingBlank(e.before) && (e.after !== '' || e.before === '');
  });
}

const withPaths = (c: Case, f: (p: string) => string): Case => ({ ...c, edits: c.edits.map((e) => ({ ...e, path: f(e.path) })) });

const WHOLE: Record<string, { maker: Maker; elision?: boolean }> = {
  clean: { maker: (c) => wholeReply(c.edits) },
  'fences+prose': { maker: (c) => `Sure! Here are the updated files.\n\n${wholeReply(c.edits, 'go').replace(/^(`{3,}go)$/gm, '$1').replace(/\nDELETE /g, '\n\nAlso remove this one:\nDELETE ')}\nThese changes keep the behaviour the same otherwise.\n` },
  crlf: { maker: (c) => wholeReply(c.edits).replace(/\n/g, '\r\n') },
  'no-final-newline': { maker: (c) => wholeReply(c.edits).replace(/\n$/, '') },
  'glued-fence': {
    // The closing fence at the end of the last content line; n/a where that line is blank or a
    // fence itself (glued, it would be a fence line, which Markdown reads as the closing one).
    maker: (c) => {
      const last = c.edits[c.edits.length - 1]?.after;
      const tail = last?.trimEnd().split('\n').pop() ?? '';
      if (!last || !last.endsWith('\n') || last.endsWith('\n\n') || /^\s*`*\s*$/.test(tail)) return null;
      return wholeReply(c.edits).replace(/\n(`{3,})\n$/, '$1\n');
    },
  },
  'trailing whitespace on unchanged lines (taken as written, flagged)': {
    maker: (c) => {
      // Spaces added to, or stripped from, lines the change leaves alone. A block cannot tell that
      // from a cleanup, so the result must be the reply's content exactly, with the step that flags it.
      let touched = false;
      const edits = c.edits.map((e) => {
        const runs = unchangedRuns(e);
        if (runs.length === 0) return e;
        const lines = (e.after as string).split('\n');
        for (const [s, t] of runs) for (let j = s; j < t; j += 3) {
          if ((lines[j] as string).trim() === '') continue;
          lines[j] = /\s$/.test(lines[j] as string) ? (lines[j] as string).trimEnd() : `${lines[j]}  `;
          touched = true;
        }
        return { ...e, after: lines.join('\n') };
      });
      if (!touched) return null;
      const post = new Map(c.post);
      for (const e of edits) if (e.after !== null) post.set(e.path, e.after);
      return { reply: wholeReply(edits), post, step: 'whitespace-only-lines' };
    },
  },
  'a/ b/ prefixes': { maker: (c) => wholeReply(withPaths(c, (p) => `b/${p}`).edits) },
  './ prefixes': { maker: (c) => wholeReply(withPaths(c, (p) => `./${p}`).edits) },
  'elided: existing-code comment': { elision: true, maker: (c) => elideRun(c, 4, (e) => commentFor(e.path, '... existing code ...')) },
  'elided: rest unchanged': {
    elision: true,
    maker: (c) => {
      const e = c.edits.find((x) => unchangedRuns(x).some(([, t]) => t === splitFile(x.after as string).length && t - unchangedRuns(x).slice(-1)[0]![0] >= 3));
      if (!e) return null;
      const run = unchangedRuns(e).slice(-1)[0]!;
      const lines = (e.after as string).split('\n').slice(0, run[0] + 1);
      lines.push(commentFor(e.path, 'rest of the file unchanged'));
      return wholeReply(c.edits.map((x) => (x === e ? { ...x, after: `${lines.join('\n')}\n` } : x)));
    },
  },
  'elided: ... line': { elision: true, maker: (c) => elideRun(c, 4, () => '...') },
  'elided: cut off, block not closed': {
    elision: true,
    maker: (c) => {
      const last = c.edits[c.edits.length - 1];
      if (!last?.after) return null;
      const full = wholeReply(c.edits);
      const body = full.slice(0, full.length - 4 - 1);
      return body.slice(0, Math.floor(body.length - last.after.length * 0.4));
    },
  },
  'elided: cut off mid-structure, block closed': {
    elision: true,
    maker: (c) => {
      const e = c.edits.find((x) => x.before !== null && x.after !== null && midStructureCut(x.after) !== null);
      if (!e) return null;
      const lines = (e.after as string).split('\n').slice(0, midStructureCut(e.after as string) as number);
      return wholeReply(c.edits.map((x) => (x === e ? { ...x, after: `${lines.join('\n')}\n` } : x)));
    },
  },
};

function blocksOf(c: Case): { blocks: SearchReplaceBlock[]; deletes: string[] } | null {
  const blocks: SearchReplaceBlock[] = [];
  const deletes: string[] = [];
  for (const e of c.edits) {
    if (e.after === null) {
      deletes.push(e.path);
      continue;
    }
    const bs = minimalBlocks(e.path, e.before, e.after);
    if (bs === null) return null;
    blocks.push(...bs);
  }
  return { blocks, deletes };
}

const sr = (c: Case, f: (b: SearchReplaceBlock[]) => SearchReplaceBlock[] | null): string | null => {
  const got = blocksOf(c);
  if (got === null) return null;
  const blocks = f(got.blocks);
  return blocks === null ? null : searchReplaceReply(blocks, got.deletes);
};

/** The first block with a SEARCH line inside it (not first or last) that can be changed, and its index. */
const firstWith = (bs: SearchReplaceBlock[], ok: (b: SearchReplaceBlock) => boolean): number => bs.findIndex(ok);

const SEARCH_REPLACE: Record<string, { maker: Maker; elision?: boolean }> = {
  clean: { maker: (c) => sr(c, (b) => b) },
  'fences+prose': { maker: (c) => { const r = sr(c, (b) => b); return r === null ? null : `I will make these edits:\n\n${r.replace(/^```$/m, '```go')}\nThat should do it.\n`; } },
  crlf: { maker: (c) => sr(c, (b) => b)?.replace(/\n/g, '\r\n') ?? null },
  'no-final-newline': { maker: (c) => sr(c, (b) => b)?.replace(/\n$/, '') ?? null },
  'a/ b/ prefixes': { maker: (c) => sr(withPaths(c, (p) => `a/${p}`), (b) => b) },
  './ prefixes': { maker: (c) => sr(withPaths(c, (p) => `./${p}`), (b) => b) },
  'blocks in the wrong order': { maker: (c) => sr(c, (b) => (b.length < 2 ? null : [...b].reverse())) },
  'SEARCH line dropped': {
    maker: (c) => sr(c, (bs) => {
      const k = firstWith(bs, (b) => b.search.length > 2);
      if (k < 0) return null;
      const b = bs[k]!;
      return bs.map((x, i) => (i === k ? { ...b, search: b.search.filter((_, j) => j !== Math.floor(b.search.length / 2)) } : x));
    }),
  },
  'SEARCH whitespace drift': {
    maker: (c) => sr(c, (bs) => {
      const k = firstWith(bs, (b) => b.search.some((l) => l.trim() !== ''));
      if (k < 0) return null;
      const b = bs[k]!;
      const j = b.search.findIndex((l) => l.trim() !== '');
      return bs.map((x, i) => (i === k ? { ...b, search: b.search.map((l, m) => (m === j ? `${l.replace(/^\t/, '    ')}  ` : l)) } : x));
    }),
  },
  'elided: existing-code comment in REPLACE': {
    elision: true,
    maker: (c) => {
      // A block whose REPLACE leaves the lines before the change out, as a lazy model writes it.
      const e = c.edits.find((x) => x.before !== null && x.after !== null && unchangedRuns(x).some(([s, t]) => t - s >= 4 && t < splitFile(x.after as string).length));
      if (!e) return null;
      const run = unchangedRuns(e).find(([s, t]) => t - s >= 4 && t < splitFile(e.after as string).length)!;
      const after = (e.after as string).split('\n');
      const before = (e.before as string).split('\n');
      const ops = editScript(splitFile(e.before as string), splitFile(e.after as string), (l) => l.text);
      // The change right after the run, and the run as context.
      const k = ops.findIndex((o) => o.op !== ' ' && o.j >= run[1] - 1 && o.j <= run[1]);
      if (k < 0) return null;
      let end = k;
      while (end + 1 < ops.length && ops[end + 1]!.op !== ' ') end++;
      const range = ops.slice(ops.findIndex((o) => o.op === ' ' && o.j === run[0]), end + 1);
      const search = range.filter((o) => o.op !== '+').map((o) => before[o.i] as string);
      const replaceLines = range.filter((o) => o.op !== '-').map((o) => after[o.j] as string);
      const indent = /^\s*/.exec(replaceLines[1] ?? '')?.[0] ?? '';
      replaceLines.splice(1, run[1] - run[0] - 2, `${indent}${commentFor(e.path, '... existing code ...')}`);
      return searchReplaceReply([{ path: e.path, search, replace: replaceLines }]);
    },
  },
  // n/a when the reply has no block to cut (only DELETE lines).
  'elided: cut off inside a block': { elision: true, maker: (c) => { const r = sr(c, (b) => b); return r === null || !r.includes('=======') ? null : r.slice(0, r.lastIndexOf('=======')); } },
};

type Status = 'exact' | 'refused' | 'wrong';

function judge(c: Case, r: ConversionResult): { status: Status; detail: string } {
  if (!r.ok) return { status: 'refused', detail: `${r.reason}${r.line === undefined ? '' : ` (reply line ${r.line})`}` };
  const out = repairReply(r.diff, { get: (p) => (c.pre.has(p) ? Buffer.from(c.pre.get(p) as string) : null) }, { repoName: null });
  if (!out.ok) return { status: 'wrong', detail: `the engine refused the computed diff: ${out.error}` };
  if (out.fixes.length > 0 || out.diff !== r.diff) return { status: 'wrong', detail: `the engine repaired the computed diff: ${out.fixes.map((f) => f.kind).join(', ')}` };
  const result = new Map(c.pre);
  for (const e of out.expected) {
    if (e.content === null) result.delete(e.path);
    else result.set(e.path, e.content.toString('utf8'));
  }
  const bad: string[] = [];
  for (const [p, text] of c.post) if (result.get(p) !== text) bad.push(`${result.has(p) ? 'differs' : 'missing'} ${p}`);
  for (const p of result.keys()) if (!c.post.has(p)) bad.push(`extra ${p}`);
  if (bad.length > 0) return { status: 'wrong', detail: bad.join('; ') };
  if (args.git) {
    const gitBad = gitCheck(c, r.diff);
    if (gitBad !== '') return { status: 'wrong', detail: `git: ${gitBad}` };
  }
  return { status: 'exact', detail: '' };
}

function gitCheck(c: Case, diff: string): string {
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'bench-formats-'));
  try {
    const git = (...a: string[]): string => execFileSync('git', a, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], input: a[0] === 'apply' ? diff : undefined }).toString();
    git('init', '-q');
    for (const [p, text] of c.pre) {
      fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      fs.writeFileSync(path.join(dir, p), text);
    }
    try {
      git('apply', '--whitespace=nowarn', '-');
    } catch (error) {
      return String((error as { stderr?: Buffer }).stderr ?? error).trim();
    }
    const now = readTree(dir);
    now.forEach((_, p) => p.startsWith('.git/') && now.delete(p));
    const bad: string[] = [];
    for (const [p, text] of c.post) if (now.get(p) !== text) bad.push(`differs ${p}`);
    for (const p of now.keys()) if (!c.post.has(p)) bad.push(`extra ${p}`);
    return bad.join('; ');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const casesDir = path.resolve(args.cases as string);
let ids = fs.readdirSync(casesDir).sort().filter((d) => fs.existsSync(path.join(casesDir, d, 'case.json')));
if (args.only) {
  const want = args.only.split(',');
  ids = ids.filter((id) => want.some((w) => id.startsWith(w)));
}

type Row = Record<Status | 'n/a', number>;
const table: Record<string, Record<string, Row>> = { whole: {}, 'search-replace': {} };
const shown: string[] = [];
const started = performance.now();
for (const id of ids) {
  const pre = readTree(path.join(casesDir, id, 'pre'));
  const post = readTree(path.join(casesDir, id, 'post'));
  const paths = [...new Set([...pre.keys(), ...post.keys()])].sort();
  const edits: FileEdit[] = paths.filter((p) => pre.get(p) !== post.get(p)).map((p) => ({ path: p, before: pre.get(p) ?? null, after: post.get(p) ?? null }));
  const c: Case = { id, pre, post, edits };
  for (const [format, faults, convert] of [['whole', WHOLE, convertWholeReply], ['search-replace', SEARCH_REPLACE, convertSearchReplaceReply]] as const) {
    for (const [fault, { maker }] of Object.entries(faults)) {
      const row = (table[format]![fault] ??= { exact: 0, refused: 0, wrong: 0, 'n/a': 0 });
      const made = format === 'whole' && !wholeExpressible(c) ? null : maker(c);
      if (made === null) {
        row['n/a']++;
        continue;
      }
      const reply = typeof made === 'string' ? made : made.reply;
      const want = typeof made === 'string' ? c : { ...c, post: made.post };
      const result = convert(reply, (p) => pre.get(p));
      let { status, detail } = judge(want, result);
      if (status === 'exact' && typeof made !== 'string' && !result.steps.some((s) => s.fix === made.step)) {
        status = 'wrong';
        detail = `no ${made.step} step`;
      }
      row[status]++;
      if (args.show === 'all' || status === args.show) shown.push(`${status.toUpperCase()} ${format} [${fault}] ${id}: ${detail}`);
    }
  }
}

const lines: string[] = [`${ids.length} cases from ${casesDir}; ${((performance.now() - started) / 1000).toFixed(1)} s${args.git ? ', every exact result also checked with git apply' : ''}`];
let wrong = 0;
let elisionsAccepted = 0;
for (const [format, faults] of [['whole', WHOLE], ['search-replace', SEARCH_REPLACE]] as const) {
  lines.push('', `| ${format}: fault | n | exact | refused | wrong |`, '| --- | ---: | ---: | ---: | ---: |');
  for (const [fault, { elision }] of Object.entries(faults)) {
    const r = table[format]![fault]!;
    const n = r.exact + r.refused + r.wrong;
    wrong += r.wrong;
    if (elision) elisionsAccepted += r.exact + r.wrong;
    lines.push(`| ${fault} | ${n} | ${r.exact} | ${r.refused} | ${r.wrong} |`);
  }
}
lines.push('', `target (0 wrong, every elision refused): ${wrong === 0 && elisionsAccepted === 0 ? 'met' : 'NOT met'} — ${wrong} wrong, ${elisionsAccepted} elided repl${elisionsAccepted === 1 ? 'y' : 'ies'} accepted`);
lines.push(...shown);
process.stdout.write(`${lines.join('\n')}\n`);
if (args.json) fs.writeFileSync(args.json, `${JSON.stringify({ cases: ids.length, table, shown }, null, 2)}\n`);
