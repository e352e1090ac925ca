import assert from 'node:assert/strict';
import { test } from 'node:test';
import { taskRanges } from '../src/cli/task-ranges.js';

test('task ids in order, three or more that follow each other as one range', () => {
  assert.equal(taskRanges([]), '');
  assert.equal(taskRanges(['T001']), 'T001');
  assert.equal(taskRanges(['T001', 'T002']), 'T001, T002');
  assert.equal(taskRanges(['T001', 'T002', 'T003']), 'T001–T003');
  assert.equal(taskRanges(Array.from({ length: 49 }, (_, i) => `T${String(i + 1).padStart(3, '0')}`)), 'T001–T049');
  // Approval order is kept: ids that do not follow each other are not sorted into a range.
  assert.equal(taskRanges(['T003', 'T001', 'T002', 'T004', 'T005', 'T006', 'T009']), 'T003, T001, T002, T004–T006, T009');
  assert.equal(taskRanges(['T002', 'T001', 'T003']), 'T002, T001, T003');
});
