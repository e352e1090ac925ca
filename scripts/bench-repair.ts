/**
 * `npm run bench:repair`: how well and how fast check-patch turns broken diffs into correct ones.
 *
 * 1. The diff corpus (../shared/diff-corpus, or --cases DIR): its harness runs check-patch and,
 *    in the same run, the baselines (git apply, git apply --recount, patch --fuzz=3); this prints
 *    repaired / wrong / refused % per corruption kind for each.
 * 2. Speed: extract + repair + validate of a ~5 MB, 1,000-file patch, as a ratio to a plain
 *    `git apply --check` of the clean patch in the same run; the same at 250/500/1,000 files
 *    (cost grows with the patch) and in a repository with 20,000 more files (not with the repo).
 *
 * Options: --cases DIR, --jobs N, --speed-only, --corpus-only, --json FILE.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { repairAndValidate } from '../src/core/repair-and-validate.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: path.resolve(projectRoot, '../shared/diff-corpus/cases') },
    jobs: { type: 'string', default: '2' },
    'speed-only': { type: 'boolean', default: false },
    'corpus-only': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});

interface Outcome { n: number; repaired: number; wrong: number; failed: number }
interface ToolSummary { name: string; repaired_pct: number; wrong_pct: number; failed_pct: number; wrong: number; per_corruption: Record<string, Outcome> }

/**
 * The harness copies each case's `pre/` folder, and stops when a case has none (a commit that only
 * adds files). A private copy of the corpus with an empty `pre/` where it is missing avoids that.
 */
function casesWithPre(cases: string, into: string): string {
  const copy = path.join(into, 'cases');
  cpSync(cases, copy, { recursive: true });
  for (const name of readdirSync(copy)) {
    if (existsSync(path.join(copy, name, 'case.json'))) mkdirSync(path.join(copy, name, 'pre'), { recursive: true });
  }
  return copy;
}

function corpus(): { tools: ToolSummary[] } {
  const out = mkdtempSync(path.join(tmpdir(), 'bench-repair-'));
  const json = path.join(out, 'repair.json');
  const cli = path.join(projectRoot, 'dist/cli/main.js');
  const evalScript = path.resolve(args.cases!, '../eval.mjs');
  const cases = casesWithPre(args.cases!, out);
  const result = spawnSync(
    process.execPath,
    [evalScript, '--cases', cases, '--jobs', args.jobs!, '--quiet', '--json', json, '--name', 'check-patch',
      '--cmd', `${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} check-patch --repo {repo} --out {out} {diff}`],
    { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
  );
  if (result.status !== 0) {
    rmSync(out, { recursive: true, force: true });
    throw new Error(`the corpus harness failed (exit ${result.status})`);
  }
  const report = JSON.parse(readFileSync(json, 'utf8')) as { n_cases: number; tools: ToolSummary[] };
  rmSync(out, { recursive: true, force: true });
  const pct = (n: number, d: number) => (d ? ((100 * n) / d).toFixed(1) : '-').padStart(6);
  const kinds = Object.keys(report.tools[0]!.per_corruption).filter((kind) => report.tools[0]!.per_corruption[kind]!.n > 0);
  const lines = [`corpus: ${report.n_cases} cases from ${args.cases}`, ''];
  lines.push(`${'tool'.padEnd(44)}${'repaired%'.padStart(10)}${'wrong%'.padStart(8)}${'refused%'.padStart(10)}`);
  for (const tool of report.tools) {
    lines.push(`${tool.name.padEnd(44)}${tool.repaired_pct.toFixed(1).padStart(10)}${tool.wrong_pct.toFixed(1).padStart(8)}${tool.failed_pct.toFixed(1).padStart(10)}`);
  }
  for (const tool of report.tools) {
    lines.push('', `${tool.name}: per corruption (cases containing it)`, `${'corruption'.padEnd(32)}${'n'.padStart(5)}${'repaired%'.padStart(10)}${'wrong%'.padStart(8)}${'refused%'.padStart(10)}`);
    for (const kind of kinds) {
      const o = tool.per_corruption[kind]!;
      lines.push(`${kind.padEnd(32)}${String(o.n).padStart(5)}${pct(o.repaired, o.n).padStart(10)}${pct(o.wrong, o.n).padStart(8)}${pct(o.failed, o.n).padStart(10)}`);
    }
  }
  const ours = report.tools.find((tool) => tool.name === 'check-patch')!;
  const met = ours.repaired_pct >= 97 && ours.wrong === 0;
  lines.push('', `target (>= 97% repaired, 0 wrong): ${met ? 'met' : 'NOT met'} — check-patch ${ours.repaired_pct.toFixed(1)}% repaired, ${ours.wrong} wrong`);
  process.stdout.write(lines.join('\n') + '\n');
  return { tools: report.tools };
}

// ---------------------------------------------------------------- speed
const git = (cwd: string, ...gitArgs: string[]) => execFileSync('git', gitArgs, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });

function fileLines(i: number): string[] {
  return Array.from({ length: 75 }, (_, j) => `line ${j} of file ${i}: ${'lorem ipsum dolor sit amet '.repeat(1 + ((i + j) % 2))}`.trimEnd());
}

/** A repository of `files` files and the clean diff that edits every fifth line of each. */
function makeRepo(files: number, extraFiles: number): { repo: string; diff: string } {
  const repo = mkdtempSync(path.join(tmpdir(), 'bench-speed-'));
  git(repo, 'init', '-q', '-b', 'main');
  for (let i = 0; i < files; i++) {
    mkdirSync(path.join(repo, 'src', `d${i % 20}`), { recursive: true });
    writeFileSync(path.join(repo, 'src', `d${i % 20}`, `f${i}.txt`), fileLines(i).join('\n') + '\n');
  }
  for (let i = 0; i < extraFiles; i++) {
    mkdirSync(path.join(repo, 'other', `d${i % 100}`), { recursive: true });
    writeFileSync(path.join(repo, 'other', `d${i % 100}`, `x${i}.txt`), `unrelated ${i}\n`);
  }
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', 'commit', '-q', '-m', 'base');
  for (let i = 0; i < files; i++) {
    const lines = fileLines(i).map((line, j) => (j % 5 === 2 ? `${line} (edited)` : line));
    writeFileSync(path.join(repo, 'src', `d${i % 20}`, `f${i}.txt`), lines.join('\n') + '\n');
  }
  const diff = git(repo, 'diff', '--no-color', '-U3').toString('utf8');
  git(repo, 'checkout', '-q', '--', '.');
  return { repo, diff };
}

/** What small models do to a diff: no a/ b/ prefixes, no diff --git lines, counts off by one, a fence. */
function corrupt(diff: string): string {
  const body = diff
    .split('\n')
    .filter((line) => !line.startsWith('diff --git') && !line.startsWith('index '))
    .map((line) => line.replace(/^--- a\//, '--- ').replace(/^\+\+\+ b\//, '+++ ').replace(/^@@ -(\d+),(\d+) \+(\d+),(\d+) @@/, (_m, a, b, c, d) => `@@ -${a},${Number(b) + 1} +${c},${d} @@`))
    .join('\n');
  return `Here is the patch:\n\`\`\`diff\n${body}\`\`\`\n`;
}

async function timeIt(fn: () => Promise<unknown> | unknown, runs = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

async function measure(files: number, extraFiles: number) {
  const { repo, diff } = makeRepo(files, extraFiles);
  try {
    const head = git(repo, 'rev-parse', 'HEAD').toString().trim();
    const broken = corrupt(diff);
    const baseline = await timeIt(() => execFileSync('git', ['apply', '--check', '-'], { cwd: repo, input: diff, maxBuffer: 1 << 30 }));
    let ok = true;
    const clean = await timeIt(async () => (ok = ok && (await repairAndValidate(repo, head, [], diff)).error === null));
    const repaired = await timeIt(async () => (ok = ok && (await repairAndValidate(repo, head, [], broken)).error === null));
    return { files, extraFiles, mb: Buffer.byteLength(diff) / 1e6, baseline, clean, repaired, ok };
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}

async function speed() {
  const rows = [];
  for (const [files, extra] of [[250, 0], [500, 0], [1000, 0], [1000, 20000]] as const) rows.push(await measure(files, extra));
  const lines = ['', 'speed: extract + repair + validate in process, median of 5; ratio = time / `git apply --check` of the clean patch in the same run'];
  lines.push(`${'files'.padStart(6)}${'+repo files'.padStart(12)}${'MB'.padStart(7)}${'git ms'.padStart(9)}${'clean ms'.padStart(10)}${'ratio'.padStart(7)}${'broken ms'.padStart(11)}${'ratio'.padStart(7)}${'ms/MB'.padStart(8)}  ok`);
  for (const r of rows) {
    lines.push(`${String(r.files).padStart(6)}${String(r.extraFiles).padStart(12)}${r.mb.toFixed(2).padStart(7)}${r.baseline.toFixed(0).padStart(9)}${r.clean.toFixed(0).padStart(10)}${(r.clean / r.baseline).toFixed(2).padStart(7)}${r.repaired.toFixed(0).padStart(11)}${(r.repaired / r.baseline).toFixed(2).padStart(7)}${(r.repaired / r.mb).toFixed(0).padStart(8)}  ${r.ok ? 'yes' : 'NO'}`);
  }
  const big = rows.find((r) => r.files === 1000 && r.extraFiles === 0)!;
  const bigger = rows.find((r) => r.files === 1000 && r.extraFiles > 0)!;
  // Linear means time grows by the factor the patch grows by (ratio of ratios near 1), and not with the repository.
  lines.push('', 'growth (time factor / patch-size factor; 1.00 = linear):');
  for (const [a, b] of [[250, 500], [500, 1000], [250, 1000]] as const) {
    const ra = rows.find((r) => r.files === a && r.extraFiles === 0)!;
    const rb = rows.find((r) => r.files === b && r.extraFiles === 0)!;
    const size = rb.mb / ra.mb;
    lines.push(`  ${a} -> ${b} files: patch x${size.toFixed(2)}, time x${(rb.repaired / ra.repaired).toFixed(2)} broken (${(rb.repaired / ra.repaired / size).toFixed(2)}), x${(rb.clean / ra.clean).toFixed(2)} clean (${(rb.clean / ra.clean / size).toFixed(2)})`);
  }
  lines.push(`  same 1,000-file patch, repository with ${bigger.extraFiles} more files: time x${(bigger.repaired / big.repaired).toFixed(2)} broken, x${(bigger.clean / big.clean).toFixed(2)} clean`);
  lines.push(`target (1,000-file ~5 MB patch under 1 s): ${big.repaired < 1000 && big.ok ? 'met' : 'NOT met'} (${big.repaired.toFixed(0)} ms broken, ${big.clean.toFixed(0)} ms clean)`);
  process.stdout.write(lines.join('\n') + '\n');
  return rows;
}

const report: Record<string, unknown> = {};
if (!args['speed-only']) report.corpus = corpus();
if (!args['corpus-only']) report.speed = await speed();
if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 2) + '\n');
