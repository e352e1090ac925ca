import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AttemptFacts, RevisionFacts, RunSnapshot, TaskFacts } from '../src/core/run-snapshot.js';
import { attemptFiles } from '../src/core/layout.js';
import { deriveStatus } from '../src/core/state.js';
import type { Approval } from '../src/schema/run-files.js';

const SHA = 'a'.repeat(64);
const approval = (decision: 'approved' | 'rejected', at = '2026-01-01T00:00:00.000Z'): Approval => ({
  schema_version: 1,
  decision,
  by: 'r',
  at,
  reason: null,
  subject: { kind: 'plan', path: 'plan/plan.json', sha256: SHA, plan_revision: 1, task: null, attempt: null },
});
const revision = (n: number, valid: boolean, decision?: 'approved' | 'rejected'): RevisionFacts => ({
  revision: n,
  valid,
  errors: valid ? [] : ['bad'],
  plan: valid ? { summary: 's', milestones: [] } : null,
  planSha256: valid ? SHA : null,
  approval: decision ? approval(decision) : null,
  fileWarnings: [],
  carryOver: null,
  executions: 'executions',
});
const attempt = (n: number, valid: boolean, decision?: 'approved' | 'rejected'): AttemptFacts => ({
  attempt: n,
  files: attemptFiles('T001', n),
  valid,
  errors: [],
  patchSha256: valid ? SHA : null,
  approval: decision ? approval(decision) : null,
  // The state machine decides from the facts above alone.
  response: () => assert.fail('the state is derived without reading exec.response.json'),
  responseBytes: Buffer.alloc(0),
  patchBytes: null,
});
const task = (id: string, deps: string[], attempts: AttemptFacts[] = []): TaskFacts => ({
  task: { id, title: id, description: 'd', files: ['f'], depends_on: deps, acceptance: ['a'], artifacts: ['patch.diff'], milestone: 'M1' },
  attempts,
  carried: null,
});
const snapshot = (revisions: RevisionFacts[], tasks: TaskFacts[] = []): RunSnapshot => ({
  runId: 'R',
  revisions,
  current: [...revisions].reverse().find((r) => r.valid) ?? null,
  tasks,
  recorded: new Map(),
  warnings: [],
});

test('a new run needs a plan; a failed first reply asks for feedback or a plan by hand, not the same request again', () => {
  assert.equal(deriveStatus(snapshot([])).state, 'needs-plan');
  const failed = deriveStatus(snapshot([revision(1, false)]));
  assert.equal(failed.state, 'plan-invalid');
  assert.deepEqual(failed.next, ['llm-orchestrator revise-plan --run R --feedback "..."', 'llm-orchestrator edit-plan --run R']);
  const later = deriveStatus(snapshot([revision(1, true), revision(2, false)]));
  assert.equal(later.state, 'plan-invalid');
  assert.deepEqual(later.next, failed.next);
});

test('a plan waits for a decision; a rejected plan asks for a revision', () => {
  assert.equal(deriveStatus(snapshot([revision(1, true)])).state, 'plan-pending-approval');
  assert.equal(deriveStatus(snapshot([revision(1, true, 'rejected')])).state, 'plan-rejected');
  // An approval of revision 1 does not carry over to revision 2.
  assert.equal(deriveStatus(snapshot([revision(1, true, 'approved'), revision(2, true)])).state, 'plan-pending-approval');
});

test('task states follow dependencies, attempts and decisions', () => {
  const status = deriveStatus(
    snapshot(
      [revision(1, true, 'approved')],
      [
        task('T001', [], [attempt(1, true, 'approved')]),
        task('T002', ['T001'], [attempt(1, true, 'rejected')]),
        task('T003', ['T001'], [attempt(1, false)]),
        task('T004', ['T001']),
        task('T005', ['T004']),
        task('T006', [], [attempt(1, true)]),
      ],
    ),
  );
  assert.equal(status.state, 'executing');
  assert.deepEqual(
    status.tasks.map((t) => [t.id, t.state]),
    [['T001', 'approved'], ['T002', 'rejected'], ['T003', 'invalid'], ['T004', 'ready'], ['T005', 'blocked'], ['T006', 'awaiting-review']],
  );
  assert.deepEqual(status.next, ['llm-orchestrator run-task --run R --task T002']);
});

test('every task approved: completed, nothing next', () => {
  const status = deriveStatus(snapshot([revision(1, true, 'approved')], [task('T001', [], [attempt(1, true, 'approved')])]));
  assert.equal(status.state, 'completed');
  assert.deepEqual(status.next, []);
});

test('a task that failed twice: the next command carries the person\'s feedback, or more context, not a bare retry', () => {
  const once = deriveStatus(snapshot([revision(1, true, 'approved')], [task('T001', [], [attempt(1, false)])]));
  assert.deepEqual(once.next, ['llm-orchestrator run-task --run R --task T001']);
  const twice = deriveStatus(snapshot([revision(1, true, 'approved')], [task('T001', [], [attempt(1, false), attempt(2, false)])]));
  assert.deepEqual(twice.next, ['llm-orchestrator run-task --run R --task T001 --feedback "..."', 'llm-orchestrator add-context --run R --file PATH']);
});
