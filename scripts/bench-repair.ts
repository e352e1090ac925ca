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
 * 3. Real content: a repository of 1,000 files taken from the installed packages' sources
 *    (node_modules, so real code and prose, not generated lines), every tenth line edited, through
 *    the built CLI's check-patch as a user runs it, timed alternately with `git apply --check` of
 *    the clean patch, with the peak memory (max RSS) of each process, from /usr/bin/time; and the
 *    same for scripts/floor-check-patch.ts on the clean patch: the least work check-patch's contract
 *    asks of it, lean, so that the ratio can be set against what any implementation would pay here.
 *
 * Options: --cases DIR, --jobs N, --speed-only, --corpus-only, --real-only, --rounds N, --json FILE,
 * --keep DIR (leave the real-content repository in DIR/repo and its patches in DIR, to profile
 * check-patch on them without building them again).
 */
import { benchEnvNote } from './bench-env.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
    'real-only': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    json: { type: 'string' },
    keep: { type: 'string' },
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
function corrupt(diff: string, counts = true): string {
  const body = diff
    .split('\n')
    .filter((line) => !line.startsWith('diff --git') && !line.startsWith('index '))
    .map((line) => line.replace(/^--- a\//, '--- ').replace(/^\+\+\+ b\//, '+++ ').replace(/^@@ -(\d+),(\d+) \+(\d+),(\d+) @@/, (m, a, b, c, d) => (counts ? `@@ -${a},${Number(b) + 1} +${c},${d} @@` : m)))
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

// ---------------------------------------------------------------- real content
/** Text files of the installed packages, in path order: real code and prose of many authors. */
function packageSources(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.(js|mjs|cjs|ts|md)$/.test(e.name)) {
        const size = statSync(p).size;
        if (size > 1500 && size < 40000) out.push(p);
      }
    }
  };
  walk(realpathSync(path.join(projectRoot, 'node_modules')));
  return out;
}

/** `files` package sources, spread over the list, committed; every tenth line edited as the clean diff. */
function makeRealRepo(files: number, keep: string | undefined): { repo: string; diff: string; sources: number } {
  const all = packageSources();
  if (all.length < files) throw new Error(`only ${all.length} package source files to build a ${files}-file patch from`);
  const repo = keep === undefined ? mkdtempSync(path.join(tmpdir(), 'bench-real-')) : path.join(keep, 'repo');
  if (keep !== undefined) {
    rmSync(repo, { recursive: true, force: true });
    mkdirSync(repo, { recursive: true });
  }
  git(repo, 'init', '-q', '-b', 'main');
  const rel = Array.from({ length: files }, (_, i) => {
    const from = all[Math.floor((i * all.length) / files)]!;
    const to = `src/d${i % 20}/${i}-${path.basename(from)}`;
    mkdirSync(path.dirname(path.join(repo, to)), { recursive: true });
    writeFileSync(path.join(repo, to), readFileSync(from));
    return to;
  });
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', 'commit', '-q', '-m', 'base');
  for (const r of rel) {
    const lines = readFileSync(path.join(repo, r), 'utf8').split('\n');
    // Before a CRLF line's '\r', so the edit keeps the file's line endings.
    for (let j = 3; j < lines.length - 1; j += 10) lines[j] = lines[j]!.replace(/(\r?)$/, ' /* edited */$1');
    writeFileSync(path.join(repo, r), lines.join('\n'));
  }
  const diff = git(repo, 'diff', '--no-color').toString('utf8');
  git(repo, 'checkout', '-q', '--', '.');
  return { repo, diff, sources: all.length };
}

const TIME = '/usr/bin/time';
/** The baseline beside check-patch: the least work its contract asks of a clean diff (scripts/floor-check-patch.ts). */
const FLOOR = path.join(projectRoot, 'build-test/scripts/floor-check-patch.js');

/** One child process: wall time (ms) and peak RSS (MB, from /usr/bin/time; null without it). */
function timedChild(cmd: string, argv: string[], cwd: string): { ms: number; mb: number | null; ok: boolean } {
  const withTime = existsSync(TIME);
  const start = process.hrtime.bigint();
  const r = withTime
    ? spawnSync(TIME, ['-f', '%M', cmd, ...argv], { cwd, encoding: 'utf8', maxBuffer: 1 << 30 })
    : spawnSync(cmd, argv, { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const kb = withTime ? Number((r.stderr ?? '').trim().split('\n').pop()) : NaN;
  return { ms, mb: Number.isFinite(kb) ? kb / 1024 : null, ok: r.status === 0 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function realContent() {
  const files = 1000;
  const keep = args.keep === undefined ? undefined : path.resolve(args.keep);
  const { repo, diff, sources } = makeRealRepo(files, keep);
  const rounds = Math.max(1, Number(args.rounds));
  const cli = path.join(projectRoot, 'dist/cli/main.js');
  try {
    const dir = keep ?? mkdtempSync(path.join(tmpdir(), 'bench-real-diffs-'));
    const cleanFile = path.join(dir, 'clean.diff');
    const brokenFile = path.join(dir, 'broken.diff');
    writeFileSync(cleanFile, diff);
    // Counts left as they are: on real code, a count one too high makes some hunk fit a second
    // way with a line restored (a refusal, rightly), and a refusal is not what is timed here.
    writeFileSync(brokenFile, corrupt(diff, false));
    const hunks = (diff.match(/^@@ /gm) ?? []).length;
    const rows: Array<{ name: string; ms: number; mb: number | null; ratio: number; ok: boolean }> = [];
    const git: Array<{ ms: number; mb: number | null }> = [];
    const ours: Record<'clean' | 'broken' | 'floor', Array<{ ms: number; mb: number | null; ok: boolean }>> = { clean: [], broken: [], floor: [] };
    // Alternately, so a change of load weighs on both sides of each ratio alike.
    for (let r = 0; r < rounds; r++) {
      for (const kind of ['clean', 'broken', 'floor'] as const) {
        git.push(timedChild('git', ['apply', '--check', cleanFile], repo));
        const out = path.join(dir, `${kind}.out.diff`);
        ours[kind].push(kind === 'floor' ? timedChild(process.execPath, [FLOOR, repo, cleanFile, out], repo) : timedChild(process.execPath, [cli, 'check-patch', '--out', out, kind === 'clean' ? cleanFile : brokenFile], repo));
      }
    }
    const gitMs = median(git.map((g) => g.ms));
    const gitMb = git[0]!.mb === null ? null : Math.max(...git.map((g) => g.mb ?? 0));
    rows.push({ name: 'git apply --check (clean)', ms: gitMs, mb: gitMb, ratio: 1, ok: true });
    (['clean', 'broken', 'floor'] as const).forEach((kind, k) => {
      const runs = ours[kind];
      // The ratio of each round's pair, then the median: load shifts during the run cancel out.
      const ratios = runs.map((run, i) => run.ms / git[3 * i + k]!.ms);
      rows.push({ name: kind === 'floor' ? 'floor (clean; see below)' : `check-patch (${kind})`, ms: median(runs.map((x) => x.ms)), mb: runs[0]!.mb === null ? null : Math.max(...runs.map((x) => x.mb ?? 0)), ratio: median(ratios), ok: runs.every((x) => x.ok) });
    });
    if (keep === undefined) rmSync(dir, { recursive: true, force: true });
    const lines = ['', `real content (broken: no a/ b/, no diff --git, fenced): ${files} files from ${sources} package sources in node_modules, ${(Buffer.byteLength(diff) / 1e6).toFixed(1)} MB patch, ${hunks} hunks; built CLI, median of ${rounds} alternating rounds`];
    if (benchEnvNote !== '') lines.push(benchEnvNote);
    lines.push(`${'command'.padEnd(28)}${'ms'.padStart(8)}${'ratio'.padStart(8)}${'peak MB'.padStart(9)}  ok`);
    for (const r of rows) lines.push(`${r.name.padEnd(28)}${r.ms.toFixed(0).padStart(8)}${r.ratio.toFixed(2).padStart(8)}${(r.mb === null ? '-' : r.mb.toFixed(0)).padStart(9)}  ${r.ok ? 'yes' : 'NO'}`);
    const clean = rows[1]!;
    const floor = rows[3]!;
    lines.push('floor: scripts/floor-check-patch.ts, the least work the contract asks of the clean patch, lean: git validating it in a temporary index, the base files read through git, each hunk line compared with the file, where else its old lines fit, the post-images\' blob ids against git\'s tree; no extraction, repair, policy or CLI');
    lines.push(`target (clean, <= 4x git apply --check, peak <= 100 MB): ${clean.ratio <= 4 && clean.mb !== null && clean.mb <= 100 ? 'met' : 'NOT met'} (${clean.ratio.toFixed(1)}x, ${clean.mb === null ? '?' : clean.mb.toFixed(0)} MB; the floor ${floor.ratio.toFixed(1)}x, ${floor.mb === null ? '?' : floor.mb.toFixed(0)} MB)`);
    process.stdout.write(lines.join('\n') + '\n');
    return rows;
  } finally {
    if (keep === undefined) rmSync(repo, { recursive: true, force: true });
  }
}

const report: Record<string, unknown> = {};
if (!args['speed-only'] && !args['real-only']) report.corpus = corpus();
if (!args['corpus-only'] && !args['real-only']) report.speed = await speed();
if (!args['corpus-only']) report.real = await realContent();
if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 2) + '\n');
