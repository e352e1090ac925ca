import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runTask } from '../src/core/run-task.js';
import { decideTask } from '../src/core/task-decision.js';
import type { WorkflowEnv } from '../src/core/workflow-env.js';
import { createProvider } from '../src/model/create-provider.js';
import { must } from './support/complete-run.js';
import { manyTaskId, manyTaskPlan, manyTaskReply } from './support/many-tasks.js';
import { readsOf } from './support/run-reads.js';
import { workspace, type Workspace } from './support/workflow-fixture.js';

/**
 * Each attempt's exec.response.json lists the files the executor was shown and the patches
 * approved before it, so it grows with the run: a step that read every attempt's record read the
 * whole run's history again, and each step cost more than the one before it. run-task and
 * approve-task read the records they decide from, whatever the number of approved patches.
 */
const APPROVED = 4;

describe('run-task and approve-task read a bounded set of attempt records', () => {
  let ws: Workspace;
  let run: string;
  let dir: string;
  const env = (): WorkflowEnv => ({
    repoDir: ws.root,
    runsDir: null,
    cwd: ws.root,
    env: { ...process.env, OLLAMA_HOST: ws.fake.url },
    now: () => new Date(),
    createProvider: async (kind, baseUrl) => createProvider(kind, baseUrl),
  });
  const records = (reads: Map<string, number>) => [...reads].filter(([rel]) => rel.endsWith('/exec.response.json')).sort(([a], [b]) => (a < b ? -1 : 1));

  before(async () => {
    ws = await workspace({ 'src/app.js': 'export const app = 1;\n' });
    run = await ws.init();
    dir = path.join(ws.root, 'runs', run);
    ws.fake.enqueueReply({ content: JSON.stringify(manyTaskPlan(APPROVED + 1)) });
    await must(ws.cli(['plan', '--run', run]), 'plan');
    await must(ws.cli(['approve-plan', '--run', run, '--by', 'Reviewer']), 'approve-plan');
    for (let i = 1; i <= APPROVED; i++) {
      ws.fake.enqueueReply({ content: manyTaskReply(i) });
      await must(ws.cli(['run-task', '--run', run, '--task', manyTaskId(i)]), `run-task ${manyTaskId(i)}`);
      await must(ws.cli(['approve-task', '--run', run, '--task', manyTaskId(i), '--by', 'Reviewer']), `approve-task ${manyTaskId(i)}`);
    }
  });
  after(() => ws.close());

  test(`with ${APPROVED} approved patches, each reads one record besides its task's own`, async () => {
    const task = manyTaskId(APPROVED + 1);
    const latest = `executions/${manyTaskId(APPROVED)}/exec.response.json`;
    ws.fake.enqueueReply({ content: manyTaskReply(APPROVED + 1) });
    const ran = await readsOf(dir, () => runTask(env(), run, task));
    const approved = await readsOf(dir, () => decideTask(env(), run, task, { decision: 'approved', by: 'Reviewer' }));
    // The latest approval's record: the state it recorded is where the step starts.
    assert.deepEqual(records(ran), [[latest, 1]], 'run-task reads the latest approved attempt\'s record, once');
    assert.deepEqual(records(approved), [[latest, 1], [`executions/${task}/exec.response.json`, 1]], 'approve-task reads that record and the one of the attempt it approves, once each');
    // What is checked against the approval is what is validated: the patch is read once.
    assert.equal(approved.get(`executions/${task}/artifacts/patch.diff`), 1, 'approve-task reads the patch it approves once');
  });
});
