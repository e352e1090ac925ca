import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GitMemo } from '../src/git/memo.js';

/** The names as stateAfter gives them, one patch at a time: what statesAlong must agree with. */
function stepByStep(memo: GitMemo, start: string, patches: readonly string[]): string[] {
  const names = [start];
  for (const patch of patches) names.push(memo.stateAfter(names.at(-1)!, memo.nameOf(patch)));
  return names;
}

test('a history is named as stateAfter names it step by step, whatever histories were named before it', async () => {
  const memo = new GitMemo();
  const start = memo.stateAfter('base\0/repo', 'abc');
  const long = ['p1', 'p2', 'p3', 'p4'];
  const asked: string[][] = [long, ['p1', 'p2'], [], ['p1', 'x2', 'p3'], long, ['p1', 'x2'], ['q1']];
  for (const patches of asked) assert.deepEqual(memo.statesAlong(start, patches), stepByStep(memo, start, patches), patches.join(' '));
  // Equal texts in other strings name the same states; another start names other states.
  assert.deepEqual(memo.statesAlong(start, ['p1', 'p2'].map((p) => `${p}`)), stepByStep(memo, start, ['p1', 'p2']));
  const other = memo.stateAfter('base\0/repo', 'def');
  assert.deepEqual(memo.statesAlong(other, ['p1']), stepByStep(memo, other, ['p1']));
  assert.notEqual(memo.statesAlong(other, ['p1'])[1], memo.statesAlong(start, ['p1'])[1]);
  // A caller changing its array afterwards changes nothing the memo answers.
  const changing = ['p1', 'p2', 'p3'];
  memo.statesAlong(start, changing);
  changing[1] = 'y2';
  assert.deepEqual(memo.statesAlong(start, changing), stepByStep(memo, start, changing));
  assert.deepEqual(memo.statesAlong(start, ['p1', 'p2', 'p3']), stepByStep(memo, start, ['p1', 'p2', 'p3']));
  await memo.close();
});
