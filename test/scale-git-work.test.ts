import assert from 'node:assert/strict';
import { cpSync, readFileSync, realpathSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runTask } from '../src/core/run-task.js';
import { decideTask } from '../src/core/task-decision.js';
import { verifyRun } from '../src/core/verify/verify-run.js';
import type { WorkflowEnv } from '../src/core/workflow-env.js';
import { createProvider } from '../src/model/create-provider.js';
import { gitProcessesStarted } from '../src/git/run-git.js';
import { lineHash, splitLog } from '../src/store/audit-chain.js';
import { sha256 } from '../src/store/run-store.js';
import { git } from './support/git-fixture.js';
import { must } from './support/complete-run.js';
import { manyTaskId, manyTaskPlan, manyTaskReply } from './support/many-tasks.js';
import { workspace, type Workspace } from './support/workflow-fixture.js';

/**
 * run-task and approve-task start from the state recorded at the latest approval, so the git
 * processes they start do not grow with the number of approved patches (each was replayed with an
 * apply and a write-tree: 6k+1 and 2k+2 processes at k approved patches).
 */
const SIZE = 6;
/** One reader of objects, one checking the recorded state's objects, read-tree, apply, write-tree. */
const BOUND = 5;

function env(ws: Workspace, root = ws.root): WorkflowEnv {
  return {
    repoDir: root,
    runsDir: null,
    cwd: root,
    env: { ...process.env, OLLAMA_HOST: ws.fake.url },
    now: () => new Date(),
    createProvider: async (kind, baseUrl) => createProvider(kind, baseUrl),
  };
}

async function counted<T>(work: () => Promise<T>): Promise<{ value: T; started: number }> {
  const before = gitProcessesStarted();
  const value = await work();
  return { value, started: gitProcessesStarted() - before };
}

async function runAndApprove(ws: Workspace, run: string, i: number, root = ws.root): Promise<{ ran: number; approved: number }> {
  ws.fake.enqueueReply({ content: manyTaskReply(i) });
  const ran = await counted(() => runTask(env(ws, root), run, manyTaskId(i)));
  const approved = await counted(() => decideTask(env(ws, root), run, manyTaskId(i), { decision: 'approved', by: 'Reviewer' }));
  return { ran: ran.started, approved: approved.started };
}

const response = (root: string, run: string, i: number): any =>
  JSON.parse(readFileSync(path.join(root, 'runs', run, 'executions', manyTaskId(i), 'exec.response.json'), 'utf8'));

describe('the git work of run-task and approve-task does not grow with the run', () => {
  let ws: Workspace;
  let run: string;
  const counts: Array<{ ran: number; approved: number }> = [];

  before(async () => {
    ws = await workspace({ 'src/app.js': 'export const app = 1;\n' });
    run = await ws.init();
    ws.fake.enqueueReply({ content: JSON.stringify(manyTaskPlan(SIZE + 1)) });
    await must(ws.cli(['plan', '--run', run]), 'plan');
    await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    for (let i = 1; i <= SIZE - 1; i++) counts.push(await runAndApprove(ws, run, i));
  });
  after(() => ws.close());

  test(`run-task and approve-task start at most ${BOUND} git processes at 0 to ${SIZE - 2} approved patches`, () => {
    for (const [k, { ran, approved }] of counts.entries()) {
      assert.ok(ran <= BOUND, `run-task with ${k} approved patches started ${ran} git processes; at most ${BOUND} expected`);
      assert.ok(approved <= BOUND, `approve-task with ${k} approved patches started ${approved} git processes; at most ${BOUND} expected`);
    }
    assert.equal(counts.at(-1)!.ran, counts[1]!.ran, 'run-task starts as many git processes at the last task as at the second');
  });

  test('verify proves every state from the base with a bounded number of git processes', async () => {
    const { value, started } = await counted(() => verifyRun(env(ws), { run }));
    assert.deepEqual(value.checks.filter((check) => check.level !== 'ok'), [], 'every check passes');
    // One reader of objects, then read-tree, apply and write-tree of every approved patch in one pass.
    assert.ok(started <= 4, `verify of ${SIZE - 1} approved patches started ${started} git processes; at most 4 expected`);
  });

  test('with the recorded state pruned, run-task rebuilds it from the base and gives the same result', async () => {
    // A copy of the repository and run where the state trees are gone, as `git gc` leaves them
    // once they are old: no ref reaches them.
    const copy = realpathSync(mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-pruned-')));
    try {
      cpSync(ws.root, copy, { recursive: true });
      await git(copy, ['reflog', 'expire', '--expire=now', '--all']);
      await git(copy, ['gc', '--quiet', '--prune=now']);
      const last = response(ws.root, run, SIZE - 1).validation.result_tree as string;
      const probe = await git(copy, ['cat-file', '--batch-check'], `${last}\n`);
      assert.match(probe, /missing/, 'the recorded state tree was pruned from the copy');

      const fast = await runAndApprove(ws, run, SIZE);
      const pruned = await runAndApprove(ws, run, SIZE, copy);
      assert.ok(pruned.ran > fast.ran, `run-task rebuilt the state (${pruned.ran} git processes against ${fast.ran} from the recorded one)`);
      const [a, b] = [response(ws.root, run, SIZE), response(copy, run, SIZE)];
      assert.equal(b.validation.state_tree, last, 'the rebuilt state is the recorded one');
      assert.deepEqual(b.validation, a.validation);
      for (const rel of ['exec.request.json', 'artifacts/patch.diff']) {
        const file = (root: string) => readFileSync(path.join(root, 'runs', run, 'executions', manyTaskId(SIZE), rel));
        assert.ok(file(copy).equals(file(ws.root)), `${rel} is the same byte for byte`);
      }
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

/** A three-task run whose first two tasks are approved. */
async function twoOfThreeApproved(): Promise<{ ws: Workspace; run: string }> {
  const ws = await workspace({ 'src/app.js': 'export const app = 1;\n' });
  const run = await ws.init();
  ws.fake.enqueueReply({ content: JSON.stringify(manyTaskPlan(3)) });
  await must(ws.cli(['plan', '--run', run]), 'plan');
  await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
  for (let i = 1; i <= 2; i++) await runAndApprove(ws, run, i);
  return { ws, run };
}

describe('a validation record is believed only as audit.log recorded it', () => {
  let ws: Workspace;
  let run: string;

  before(async () => {
    ({ ws, run } = await twoOfThreeApproved());
  });
  after(() => ws.close());

  test('a result_tree pointed at another tree is not used: run-task builds the state from the base', async () => {
    const file = path.join(ws.root, 'runs', run, 'executions', manyTaskId(2), 'exec.response.json');
    const record = JSON.parse(readFileSync(file, 'utf8'));
    const honest = record.validation.result_tree as string;
    // The state before T002: a real tree, without T002's file.
    record.validation.result_tree = record.validation.state_tree;
    writeFileSync(file, JSON.stringify(record, null, 2) + '\n');

    ws.fake.enqueueReply({ content: manyTaskReply(3) });
    await runTask(env(ws), run, manyTaskId(3));
    const made = response(ws.root, run, 3);
    assert.equal(made.validation.state_tree, honest, 'T003 was validated on base + T001 + T002, not on the tree the edited record names');
    const request = readFileSync(path.join(ws.root, 'runs', run, 'executions', manyTaskId(3), 'exec.request.json'), 'utf8');
    assert.match(request, /value2 = 2/, "the executor was shown T002's file");
    const { checks } = await verifyRun(env(ws), { run });
    assert.ok(checks.some((check) => check.level === 'fail' && check.message.includes('exec.response.json')), 'verify reports the edited record');
  });
});

describe('a validation record rewritten with the audit chain', () => {
  let ws: Workspace;
  let run: string;

  before(async () => {
    ({ ws, run } = await twoOfThreeApproved());
  });
  after(() => ws.close());

  test('is caught by verify, which proves every state from the base', async () => {
    const dir = path.join(ws.root, 'runs', run);
    const rel = `executions/${manyTaskId(2)}/exec.response.json`;
    const before = readFileSync(path.join(dir, rel));
    const record = JSON.parse(before.toString('utf8'));
    record.validation.result_tree = record.validation.state_tree;
    const after = Buffer.from(JSON.stringify(record, null, 2) + '\n');
    writeFileSync(path.join(dir, rel), after);
    // The attacker rewrites every line from the one that recorded the file: the chain is intact.
    const lines = splitLog(readFileSync(path.join(dir, 'audit.log'))).map((line) => line.toString('utf8').replace(sha256(before), sha256(after)));
    for (let i = 1; i < lines.length; i++) lines[i] = lines[i]!.replace(/^\{"prev":"[0-9a-f]{64}"/, `{"prev":"${lineHash(Buffer.from(lines[i - 1]!))}"`);
    writeFileSync(path.join(dir, 'audit.log'), lines.join('\n') + '\n');

    const { checks } = await verifyRun(env(ws), { run });
    const failed = checks.filter((check) => check.level === 'fail').map((check) => check.message);
    assert.deepEqual(failed.length, 1, `one failure: ${failed.join('; ')}`);
    assert.match(failed[0]!, new RegExp(`^${rel}: state trees: records state_tree \\w+ and result_tree ${record.validation.state_tree.slice(0, 12)}, but`));
  });
});
