/**
 * `npm run bench:cli`: how long the commands that call no model take, start to finish, as a ratio
 * to a bare `node -e ''` measured alternately with them in the same run (the target: at most 1.5×).
 *
 * The commands run against a finished run (two approved tasks, a rejected attempt) in a throw-away
 * repository, made once through the built CLI and the test suite's fake Ollama. Each round times
 * `node -e ''` then the command, so both see the same load; a command's ratio is the median of its
 * rounds' ratios. Commands that are not registered yet are listed as skipped, not measured.
 *
 * Exits 0 whatever the ratios, unless --strict: a shared CI runner's timing is too noisy for a
 * ratio to fail a build, so the gate is this report, read on a quiet machine (and --strict there).
 *
 * Options: --rounds N (default 15), --strict, --json FILE, --cli FILE (another build of the CLI's
 * main.js, e.g. an older one, to compare before and after on the same machine).
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Command } from 'commander';
import { registerCommands } from '../src/cli/registry.js';
import { CLI } from '../test/support/cli.js';
import { completeRun } from '../test/support/complete-run.js';
import { workspace } from '../test/support/workflow-fixture.js';

const TARGET = 1.5;

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    strict: { type: 'boolean', default: false },
    json: { type: 'string' },
    cli: { type: 'string', default: CLI },
  },
});
const cli = path.resolve(args.cli!);
const rounds = Number(args.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a whole number of at least 1');

interface Case {
  label: string;
  /** The registered command this runs, or null for the program's own --help. */
  command: string | null;
  args(run: string): string[];
}

/** The commands the target applies to: none of them calls a model. */
const CASES: Case[] = [
  { label: '--help', command: null, args: () => ['--help'] },
  { label: 'status --help', command: 'status', args: () => ['status', '--help'] },
  { label: 'status', command: 'status', args: (run) => ['status', '--run', run] },
  { label: 'list-context', command: 'list-context', args: (run) => ['list-context', '--run', run] },
  { label: 'show', command: 'show', args: (run) => ['show', '--run', run] },
  { label: 'show --task', command: 'show', args: (run) => ['show', '--run', run, '--task', 'T001'] },
  { label: 'runs', command: 'runs', args: () => ['runs'] },
  { label: 'verify', command: 'verify', args: (run) => ['verify', '--run', run] },
];

function registeredCommands(): Set<string> {
  const program = new Command();
  registerCommands(program);
  return new Set(program.commands.map((command) => command.name()));
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Wall time of one process, start to exit, in milliseconds; a failing command stops the bench. */
function time(argv: string[], cwd: string): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, argv, { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`node ${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  return elapsed;
}

interface Row {
  label: string;
  ratio: number;
  command_ms: number;
  bare_ms: number;
  pass: boolean;
}

async function main(): Promise<number> {
  const registered = registeredCommands();
  const cases = CASES.filter((c) => c.command === null || registered.has(c.command));
  const skipped = CASES.filter((c) => !cases.includes(c)).map((c) => c.label);

  const ws = await workspace();
  let run: string;
  try {
    run = await completeRun(ws);
  } finally {
    // The commands measured call no model: the fake server is only needed to make the run.
    await ws.fake.close();
  }
  try {
    const bare = ['-e', ''];
    // One untimed pass: the first start of anything pays for the disk cache.
    time(bare, ws.root);
    for (const c of cases) time([cli, ...c.args(run)], ws.root);

    const samples = new Map(cases.map((c) => [c.label, { ratios: [] as number[], command: [] as number[], bare: [] as number[] }]));
    for (let round = 0; round < rounds; round++) {
      for (const c of cases) {
        const bareMs = time(bare, ws.root);
        const commandMs = time([cli, ...c.args(run)], ws.root);
        const sample = samples.get(c.label)!;
        sample.bare.push(bareMs);
        sample.command.push(commandMs);
        sample.ratios.push(commandMs / bareMs);
      }
    }

    const rows: Row[] = cases.map((c) => {
      const sample = samples.get(c.label)!;
      const ratio = median(sample.ratios);
      return { label: c.label, ratio, command_ms: median(sample.command), bare_ms: median(sample.bare), pass: ratio <= TARGET };
    });
    console.log(`${cli}: start-to-finish time as a ratio to node -e '' (median of ${rounds} alternating rounds; target ≤ ${TARGET}×)`);
    for (const row of rows) {
      console.log(`${row.label.padEnd(14)} ${row.ratio.toFixed(2).padStart(5)}×  ${row.pass ? 'PASS' : 'FAIL'}   (${row.command_ms.toFixed(0)} ms vs ${row.bare_ms.toFixed(0)} ms)`);
    }
    if (skipped.length > 0) console.log(`skipped (not registered): ${skipped.join(', ')}`);
    const failed = rows.filter((row) => !row.pass).length;
    console.log(failed === 0 ? 'all PASS' : `${failed} FAIL${args.strict ? '' : ' (not failing the script: pass --strict for that)'}`);
    if (args.json) writeFileSync(args.json, JSON.stringify({ cli, target: TARGET, rounds, node: process.version, rows, skipped }, null, 2) + '\n');
    return failed > 0 && args.strict ? 1 : 0;
  } finally {
    rmSync(ws.root, { recursive: true, force: true });
  }
}

process.exitCode = await main();
