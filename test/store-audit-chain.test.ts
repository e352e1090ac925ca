import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { chainHead, GENESIS, lineHash, splitLog } from '../src/store/audit-chain.js';
import { Run } from '../src/store/run-store.js';
import { runs } from './support/fc-seed.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const entry = (command: string) => ({ time: '2026-01-01T00:00:00.000Z', command, args: {}, outcome: 'ok' as const, artifacts: [] });

test('splitLog keeps exact bytes, drops only the newlines, and keeps a last line without one', () => {
  assert.deepEqual(splitLog(Buffer.from('')), []);
  assert.deepEqual(splitLog(Buffer.from('a\nb\n')).map(String), ['a', 'b']);
  assert.deepEqual(splitLog(Buffer.from('a\n\nb')).map(String), ['a', '', 'b']);
  assert.deepEqual(splitLog(Buffer.from('a\r\n')).map(String), ['a\r']);
});

test('chainHead is GENESIS for an empty log and the hash of the last line otherwise', () => {
  assert.equal(GENESIS, '0'.repeat(64));
  assert.equal(chainHead(Buffer.alloc(0)), GENESIS);
  assert.equal(chainHead(Buffer.from('x\ny\n')), sha('y'));
  assert.equal(lineHash(Buffer.from('y')), sha('y'));
});

test('chainHead, read from the end of the log, is the hash of the last of splitLog\'s lines for any bytes', () => {
  // Logs made of a few bytes that matter (newlines, carriage returns, text), in any order.
  const log = fc.array(fc.constantFrom(0x0a, 0x0a, 0x0d, 0x78, 0x79, 0x7b), { maxLength: 40 }).map((bytes) => Buffer.from(bytes));
  fc.assert(
    fc.property(log, (bytes) => {
      const last = splitLog(bytes).at(-1);
      assert.equal(chainHead(bytes), last === undefined ? GENESIS : lineHash(last));
    }),
    { numRuns: runs(500) },
  );
});

test('appendAudit chains each line to the one before; a line cut short is removed and named, a whole line that lost its newline is kept', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-chain-'));
  const log = path.join(dir, 'audit.log');
  try {
    const run = new Run('r', dir);
    const first = run.appendAudit(entry('init'));
    const second = run.appendAudit(entry('plan'));
    assert.equal(JSON.parse(first).prev, GENESIS);
    assert.equal(JSON.parse(second).prev, sha(first));
    assert.ok(first.startsWith('{"prev":'), 'prev comes first, so a person reads the chain at the start of each line');

    appendFileSync(log, '{"cut short');
    const third = JSON.parse(run.appendAudit(entry('status')));
    assert.equal(third.prev, sha(second), 'the chain goes on from the last whole line');
    assert.deepEqual(third.warnings, [`audit.log ended in 11 byte(s) of a line that was never written whole (sha256 ${sha('{"cut short')}): removed; the chain goes on from the last whole line`]);
    assert.deepEqual(Object.keys(third), ['prev', 'time', 'command', 'args', 'outcome', 'warnings', 'artifacts']);
    const afterCut = readFileSync(log, 'utf8').split('\n');
    assert.deepEqual(afterCut.slice(0, 2), [first, second]);

    // The newline alone was lost: the entry is whole and links to the line before, so it stays.
    const whole = JSON.stringify({ prev: sha(afterCut[2]!), ...entry('show') });
    writeFileSync(log, readFileSync(log, 'utf8') + whole);
    const fifth = run.appendAudit(entry('status'));
    assert.equal(JSON.parse(fifth).prev, sha(whole));
    assert.deepEqual(readFileSync(log, 'utf8').split('\n'), [first, second, afterCut[2], whole, fifth, '']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
