/**
 * `npm run bench:cli`: the CLI's own cost, under whichever `node` runs it (the first on PATH).
 *
 * 1. Start-up: how long the commands that call no model take, start to finish, as a ratio to a
 *    bare `node -e ''` timed alternately with them (each round times `node -e ''` then the
 *    command, so both see the same load; a command's ratio is the median of its rounds' ratios).
 *    They run against a finished run (two approved tasks, a rejected attempt) in a throw-away
 *    repository, made once through the built CLI and the test suite's fake Ollama. Target on Node
 *    22 and later: at most 1.75×; Node 20 is reported without one. `verify` is listed without a
 *    target: it re-proves the whole run, so its time is its own work, not start-up.
 * 2. A model call: `plan` (one call, against the same in-process fake Ollama answering at once)
 *    against a minimal node:http client that sends the same requests (the model listing, then
 *    the same chat body, reading the streamed reply to its end), timed alternately. The
 *    difference is what the CLI adds around a model call: start-up, reading the run, writing the
 *    request, reply and plan files and the audit line. Target: at most 50 ms. The CPU time of both
 *    (user + system, with the git processes the CLI starts) follows, which a loaded machine moves
 *    far less than wall time.
 *
 * Exits 0 whatever the numbers, unless --strict: a shared CI runner's timing is too noisy for a
 * ratio to fail a build, so the gate is this report, read on a quiet machine (and --strict there).
 *
 * Options: --rounds N (default 15), --strict, --json FILE, --cli FILE (another build of the CLI's
 * main.js, e.g. an older one, to compare before and after on the same machine).
 */
import { benchEnvNote } from './bench-env.js';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Command } from 'commander';
import { registerCommands } from '../src/cli/registry.js';
import { CLI } from '../test/support/cli.js';
import { completeRun } from '../test/support/complete-run.js';
import { MODEL, twoTaskPlan, workspace } from '../test/support/workflow-fixture.js';
import { childrenCpuMs } from './children-cpu.js';

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
/** Node 20 starts in about twice the time of 22 and 24, so the same work weighs less there: no target. */
const START_TARGET = NODE_MAJOR >= 22 ? 1.75 : null;
const MODEL_CALL_TARGET_MS = 50;

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
  /** Held to the start-up target (verify is not). */
  target: boolean;
}

/** None of them calls a model. */
const CASES: Case[] = [
  { label: '--help', command: null, args: () => ['--help'], target: true },
  { label: 'status --help', command: 'status', args: () => ['status', '--help'], target: true },
  { label: 'status', command: 'status', args: (run) => ['status', '--run', run], target: true },
  { label: 'list-context', command: 'list-context', args: (run) => ['list-context', '--run', run], target: true },
  { label: 'show', command: 'show', args: (run) => ['show', '--run', run], target: true },
  { label: 'show --task', command: 'show', args: (run) => ['show', '--run', run, '--task', 'T001'], target: true },
  { label: 'runs', command: 'runs', args: () => ['runs'], target: true },
  { label: 'verify', command: 'verify', args: (run) => ['verify', '--run', run], target: false },
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

const ENV = { ...process.env, NO_COLOR: '1' };

/** Wall time of one process, start to exit, in milliseconds; a failing command stops the bench. */
function time(argv: string[], cwd: string): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, argv, { cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`node ${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  return elapsed;
}

/**
 * The same, without blocking this process: the fake server answering the command lives here.
 * With the CPU time of the process and of what it started (git): nothing else of this process's
 * children ends meanwhile.
 */
function timeAsync(argv: string[], cwd: string, env: NodeJS.ProcessEnv = ENV): Promise<{ ms: number; cpu: number | null }> {
  const cpuBefore = childrenCpuMs();
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, argv, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      const cpuAfter = childrenCpuMs();
      if (code === 0) resolve({ ms: elapsed, cpu: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore });
      else reject(new Error(`node ${argv.join(' ')} exited ${code}: ${stderr}`));
    }),
  );
}

/**
 * The baseline for a model call: what any client must do to make the CLI's requests. Plain
 * CommonJS, node:http only: the model listing, then the chat body as the CLI sent it, the
 * streamed reply read to its end.
 */
const MINIMAL_CLIENT = `
const http = require('node:http');
const { readFileSync } = require('node:fs');
const [base, bodyFile] = process.argv.slice(1);
const body = readFileSync(bodyFile);
const send = (method, path, payload) => new Promise((resolve, reject) => {
  const headers = payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {};
  const req = http.request(base + path, { method, headers }, (res) => {
    const chunks = [];
    res.on('data', (chunk) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
  req.on('error', reject);
  req.end(payload);
});
send('GET', '/api/tags').then(() => send('POST', '/api/chat', body)).then((reply) => {
  if (!reply.includes('"done":true')) process.exitCode = 1;
});`;

interface StartRow {
  label: string;
  ratio: number;
  command_ms: number;
  bare_ms: number;
  target: number | null;
  pass: boolean | null;
}

interface ModelCallResult {
  plan_ms: number;
  client_ms: number;
  overhead_ms: number;
  /** Medians of the CPU time (user + system, git's included) and of its per-round difference; null without /proc. */
  plan_cpu_ms: number | null;
  client_cpu_ms: number | null;
  overhead_cpu_ms: number | null;
  ratio: number;
  requests_per_call: Record<string, number>;
  target_ms: number;
  pass: boolean;
}

async function startUp(cases: Case[]): Promise<StartRow[]> {
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
    // One untimed pass: the first start of anything pays for the disk cache (and makes each command's code cache).
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
    return cases.map((c) => {
      const sample = samples.get(c.label)!;
      const ratio = median(sample.ratios);
      const target = c.target ? START_TARGET : null;
      return { label: c.label, ratio, command_ms: median(sample.command), bare_ms: median(sample.bare), target, pass: target === null ? null : ratio <= target };
    });
  } finally {
    rmSync(ws.root, { recursive: true, force: true });
  }
}

async function modelCall(): Promise<ModelCallResult> {
  const ws = await workspace();
  const scratch = mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-bench-'));
  try {
    const env = { ...ENV, OLLAMA_HOST: ws.fake.url };
    const reply = JSON.stringify(twoTaskPlan());
    /** A new run (init, untimed), then its plan: one model call. */
    const plan = async (): Promise<{ ms: number; cpu: number | null; body: string; requests: string[] }> => {
      const init = await ws.cli(['init', '--spec', 'spec.md', '--planner-model', MODEL, '--executor-model', MODEL]);
      if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
      ws.fake.enqueueReply({ content: reply });
      const before = ws.fake.requests.length;
      const { ms, cpu } = await timeAsync([cli, 'plan', '--run', init.stdout.trim()], ws.root, env);
      const sent = ws.fake.requests.slice(before);
      return { ms, cpu, body: sent.find((r) => r.path === '/api/chat')!.body, requests: sent.map((r) => `${r.method} ${r.path}`) };
    };
    const first = await plan();
    const body = path.join(scratch, 'chat.json');
    writeFileSync(body, first.body);
    const requests: Record<string, number> = {};
    for (const request of first.requests) requests[request] = (requests[request] ?? 0) + 1;
    const clientArgs = ['-e', MINIMAL_CLIENT, ws.fake.url, body];
    // Untimed: the client's first start pays for the disk cache as the CLI's did.
    ws.fake.enqueueReply({ content: reply });
    await timeAsync(clientArgs, ws.root, env);

    const planMs: number[] = [];
    const clientMs: number[] = [];
    const differences: number[] = [];
    const cpu = { plan: [] as number[], client: [] as number[], differences: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      ws.fake.enqueueReply({ content: reply });
      const c = await timeAsync(clientArgs, ws.root, env);
      const p = await plan();
      planMs.push(p.ms);
      clientMs.push(c.ms);
      differences.push(p.ms - c.ms);
      if (p.cpu !== null && c.cpu !== null) {
        cpu.plan.push(p.cpu);
        cpu.client.push(c.cpu);
        cpu.differences.push(p.cpu - c.cpu);
      }
    }
    const overhead = median(differences);
    const cpuMedian = (values: number[]): number | null => (values.length === 0 ? null : median(values));
    return {
      plan_ms: median(planMs),
      client_ms: median(clientMs),
      overhead_ms: overhead,
      plan_cpu_ms: cpuMedian(cpu.plan),
      client_cpu_ms: cpuMedian(cpu.client),
      overhead_cpu_ms: cpuMedian(cpu.differences),
      ratio: median(planMs.map((p, i) => p / clientMs[i]!)),
      requests_per_call: requests,
      target_ms: MODEL_CALL_TARGET_MS,
      pass: overhead <= MODEL_CALL_TARGET_MS,
    };
  } finally {
    await ws.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const registered = registeredCommands();
  const cases = CASES.filter((c) => c.command === null || registered.has(c.command));
  const skipped = CASES.filter((c) => !cases.includes(c)).map((c) => c.label);

  const rows = await startUp(cases);
  const targetText = START_TARGET === null ? `no target on Node ${NODE_MAJOR}` : `target ≤ ${START_TARGET}×`;
  console.log(`${cli} on Node ${process.version}: start-to-finish time as a ratio to node -e '' (median of ${rounds} alternating rounds; ${targetText})`);
  if (benchEnvNote !== '') console.log(benchEnvNote);
  for (const row of rows) {
    const verdict = row.pass === null ? '    ' : row.pass ? 'PASS' : 'FAIL';
    console.log(`${row.label.padEnd(14)} ${row.ratio.toFixed(2).padStart(5)}×  ${verdict}   (${row.command_ms.toFixed(0)} ms vs ${row.bare_ms.toFixed(0)} ms)`);
  }
  if (skipped.length > 0) console.log(`skipped (not registered): ${skipped.join(', ')}`);

  const call = await modelCall();
  const sent = Object.entries(call.requests_per_call).map(([request, count]) => (count > 1 ? `${count}× ${request}` : request)).join(', ');
  console.log(`\nA model call (plan, against the in-process fake Ollama; median of ${rounds} alternating rounds; target ≤ ${call.target_ms} ms over the client):`);
  console.log(`plan           ${call.plan_ms.toFixed(0).padStart(5)} ms   (requests: ${sent})`);
  console.log(`node:http      ${call.client_ms.toFixed(0).padStart(5)} ms   (a minimal client making the same requests)`);
  console.log(`difference     ${call.overhead_ms.toFixed(0).padStart(5)} ms   ${call.pass ? 'PASS' : 'FAIL'}   (ratio ${call.ratio.toFixed(2)}×)`);
  if (call.overhead_cpu_ms !== null) {
    // What the load of the machine moves far less than wall time (10 ms ticks).
    console.log(`CPU time       ${call.plan_cpu_ms!.toFixed(0).padStart(5)} ms   against the client's ${call.client_cpu_ms!.toFixed(0)} ms: ${call.overhead_cpu_ms.toFixed(0)} ms more (user + system, git's included)`);
  }

  const failed = rows.filter((row) => row.pass === false).length + (call.pass ? 0 : 1);
  console.log(failed === 0 ? 'all PASS' : `${failed} FAIL${args.strict ? '' : ' (not failing the script: pass --strict for that)'}`);
  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ cli, node: process.version, rounds, start_target: START_TARGET, rows, skipped, model_call: call }, null, 2) + '\n');
  }
  return failed > 0 && args.strict ? 1 : 0;
}

process.exitCode = await main();
