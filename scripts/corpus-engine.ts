/**
 * Dev script: run the repair engine in process over the diff corpus and compare its post-image
 * with each case's post/ tree. No git: this measures the engine's decisions; the lead's benchmark
 * checks the emitted diffs with real `git apply`.
 *
 *   node build-test/scripts/corpus-engine.js [--cases DIR] [--only ID,ID] [--show wrong|refused|all] [--repo-name NAME] [--json FILE]
 *
 * For every case: broken.diff must give exactly post/ (repaired) or a refusal; anything else is
 * "wrong". clean.diff must pass through byte for byte with zero fixes and give post/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repairReply, type FileSource, type RepairOutcome } from '../src/diff/engine.js';

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '../shared/diff-corpus/cases' },
    only: { type: 'string' },
    show: { type: 'string', default: 'wrong' },
    'repo-name': { type: 'string' },
    json: { type: 'string' },
  },
});

interface Case {
  id: string;
  dir: string;
  corruption: string[];
}

function readTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (rel: string): void => {
    const abs = path.join(dir, rel);
    if (!fs.existsSync(abs)) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.set(r, fs.readFileSync(path.join(dir, r)));
    }
  };
  walk('');
  return out;
}

/** What is wrong with the outcome's post-image compared with post/ ('' when nothing). */
function compare(outcome: RepairOutcome, pre: Map<string, Buffer>, post: Map<string, Buffer>): string {
  const result = new Map(pre);
  for (const e of outcome.expected) {
    if (e.content === null) result.delete(e.path);
    else result.set(e.path, e.content);
  }
  const bad: string[] = [];
  for (const [p, b] of post) {
    const got = result.get(p);
    if (!got) bad.push(`missing ${p}`);
    else if (!got.equals(b)) bad.push(`differs ${p}`);
  }
  for (const p of result.keys()) if (!post.has(p)) bad.push(`extra ${p}`);
  return bad.join('; ');
}

const casesDir = path.resolve(args.cases as string);
let cases: Case[] = fs
  .readdirSync(casesDir)
  .sort()
  .filter((d) => fs.existsSync(path.join(casesDir, d, 'case.json')))
  .map((d) => {
    const meta = JSON.parse(fs.readFileSync(path.join(casesDir, d, 'case.json'), 'utf8')) as { id: string; corruption: string[] };
    return { id: meta.id, dir: path.join(casesDir, d), corruption: meta.corruption };
  });
if (args.only) {
  const want = args.only.split(',');
  cases = cases.filter((c) => want.some((w) => c.id.startsWith(w)));
}

type Status = 'repaired' | 'wrong' | 'refused';
const perKind = new Map<string, Record<Status, number>>();
const totals: Record<Status, number> = { repaired: 0, wrong: 0, refused: 0 };
const cleanProblems: string[] = [];
const notFixedPoints: string[] = [];
const rows: Array<{ id: string; corruption: string[]; status: Status; detail: string; fixes: string[] }> = [];
let engineMs = 0;
const repoName = args['repo-name'] ?? null;

for (const c of cases) {
  const pre = readTree(path.join(c.dir, 'pre'));
  const post = readTree(path.join(c.dir, 'post'));
  const source: FileSource = { get: (p) => pre.get(p) ?? null };
  const broken = fs.readFileSync(path.join(c.dir, 'broken.diff'), 'utf8');
  const clean = fs.readFileSync(path.join(c.dir, 'clean.diff'), 'utf8');

  const t0 = performance.now();
  const outcome = repairReply(broken, source, { repoName });
  engineMs += performance.now() - t0;
  let status: Status;
  let detail: string;
  if (!outcome.ok) {
    status = 'refused';
    detail = outcome.error ?? '';
  } else {
    const bad = compare(outcome, pre, post);
    status = bad === '' ? 'repaired' : 'wrong';
    detail = bad;
  }
  totals[status]++;
  // What the lead re-checks at approval: the repaired diff must repair to itself, with no fixes.
  if (outcome.ok) {
    const again = repairReply(outcome.diff, source, { repoName });
    if (!again.ok || again.diff !== outcome.diff || again.fixes.length > 0) {
      notFixedPoints.push(`${c.id}: ${again.ok ? `fixes ${again.fixes.map((f) => f.kind).join(',')}` : `refused: ${again.error}`}`);
    }
  }
  for (const k of c.corruption) {
    const row = perKind.get(k) ?? { repaired: 0, wrong: 0, refused: 0 };
    row[status]++;
    perKind.set(k, row);
  }
  rows.push({ id: c.id, corruption: c.corruption, status, detail, fixes: outcome.fixes.map((f) => f.kind) });

  const t1 = performance.now();
  const cleanOut = repairReply(clean, source, { repoName });
  engineMs += performance.now() - t1;
  if (!cleanOut.ok) cleanProblems.push(`${c.id}: clean refused: ${cleanOut.error}`);
  else {
    if (cleanOut.diff !== clean) cleanProblems.push(`${c.id}: clean diff changed`);
    if (cleanOut.fixes.length > 0) cleanProblems.push(`${c.id}: clean diff got fixes ${cleanOut.fixes.map((f) => f.kind).join(',')}`);
    const bad = compare(cleanOut, pre, post);
    if (bad !== '') cleanProblems.push(`${c.id}: clean post-image ${bad}`);
  }
}

const pct = (n: number, d: number): string => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);
const lines: string[] = [];
lines.push(`${cases.length} cases from ${casesDir}; engine time ${engineMs.toFixed(0)} ms for ${cases.length * 2} runs`);
lines.push('');
lines.push(`${'corruption'.padEnd(32)}${'n'.padStart(5)}${'repaired'.padStart(10)}${'wrong'.padStart(7)}${'refused'.padStart(9)}`);
for (const [k, r] of [...perKind].sort((a, b) => a[0].localeCompare(b[0]))) {
  const n = r.repaired + r.wrong + r.refused;
  lines.push(`${k.padEnd(32)}${String(n).padStart(5)}${String(r.repaired).padStart(10)}${String(r.wrong).padStart(7)}${String(r.refused).padStart(9)}`);
}
const n = cases.length;
lines.push(`${'ALL CASES'.padEnd(32)}${String(n).padStart(5)}${String(totals.repaired).padStart(10)}${String(totals.wrong).padStart(7)}${String(totals.refused).padStart(9)}`);
lines.push(`repaired ${pct(totals.repaired, n)}, wrong ${pct(totals.wrong, n)}, refused ${pct(totals.refused, n)}`);
lines.push('');
lines.push(`clean.diff pass-through: ${n - new Set(cleanProblems.map((p) => p.split(':')[0])).size}/${n} unchanged with zero fixes and the right post-image`);
for (const p of cleanProblems) lines.push(`  ${p}`);
lines.push(`repaired diffs that repair to themselves with zero fixes: ${totals.repaired + totals.wrong - notFixedPoints.length}/${totals.repaired + totals.wrong}`);
for (const p of notFixedPoints) lines.push(`  ${p}`);
const show = args.show;
for (const r of rows) {
  if (show === 'all' || r.status === show || (show === 'wrong' && r.status === 'wrong')) {
    lines.push(`${r.status.toUpperCase()} ${r.id} [${r.corruption.join(', ')}] ${r.detail}`);
    if (show === 'all') lines.push(`    fixes: ${r.fixes.join(', ')}`);
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
if (args.json) fs.writeFileSync(args.json, `${JSON.stringify({ totals, perKind: Object.fromEntries(perKind), rows, cleanProblems }, null, 2)}\n`);
