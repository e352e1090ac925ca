import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeDifference, firstDifference } from '../src/core/first-difference.js';

const diff = (a: string, b: string) => firstDifference(Buffer.from(a), Buffer.from(b));

test('identical bytes have no difference', () => {
  assert.equal(diff('abc\n', 'abc\n'), null);
});

test('the first differing byte, with its line and column', () => {
  const d = diff('one\ntwo\nthree\n', 'one\ntwo\nthRee\n')!;
  assert.deepEqual([d.offset, d.line, d.column], [10, 3, 3]);
  assert.equal(d.recorded, 'three\n');
  assert.equal(d.other, 'thRee\n');
  assert.equal(describeDifference(d, 'replayed'), 'at byte 10 (line 3, column 3): recorded "three\\n", replayed "thRee\\n"');
});

test('at the very start, and when one side is a prefix of the other', () => {
  assert.deepEqual(diff('x', 'y'), { offset: 0, line: 1, column: 1, recorded: 'x', other: 'y' });
  const d = diff('abc\n', 'abc\nmore')!;
  assert.deepEqual([d.offset, d.line, d.column, d.recorded, d.other], [4, 2, 1, '', 'more']);
});

test('excerpts stay short on long lines', () => {
  const long = 'a'.repeat(500);
  const d = diff(long + 'X' + long, long + 'Y' + long)!;
  assert.equal(d.offset, 500);
  assert.ok(d.recorded.length <= 60 && d.recorded.includes('X'));
});
