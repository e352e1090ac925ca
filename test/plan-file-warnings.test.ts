import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planFileWarnings, warnedTask } from '../src/core/plan-file-warnings.js';
import { Plan } from '../src/schema/plan.js';
import { task } from './support/workflow-fixture.js';

test('each kind of plan file warning names its task where status looks for it', () => {
  const plan = Plan.parse({
    summary: 's',
    milestones: [
      {
        id: 'M1',
        title: 't',
        tasks: [
          task('T001', 'New', ['lib/new.ts'], []),
          task('T002', 'Same file, no dependency', ['lib/new.ts'], []),
          task('T003', 'A folder', ['src'], []),
          task('T004', 'Quoted', ['lib/odd\tname.ts'], []),
        ],
      },
    ],
  });
  const warnings = planFileWarnings(plan, ['src/app.js']);
  assert.equal(warnings.length, 4, warnings.join('\n'));
  assert.deepEqual(warnings.map(warnedTask), ['T001', 'T002', 'T003', 'T004']);
  assert.equal(warnedTask("T001's approval in plan revision 1 is not carried over"), null);
});
