import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

test('appendAudit chains each line to the one before, and keeps a line whose newline was lost apart', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-chain-'));
  try {
    const run = new Run('r', dir);
    const first = run.appendAudit(entry('init'));
    const second = run.appendAudit(entry('plan'));
    assert.equal(JSON.parse(first).prev, GENESIS);
    assert.equal(JSON.parse(second).prev, sha(first));
    assert.ok(first.startsWith('{"prev":'), 'prev comes first, so a person reads the chain at the start of each line');
    appendFileSync(path.join(dir, 'audit.log'), '{"cut short');
    const third = run.appendAudit(entry('status'));
    assert.equal(JSON.parse(third).prev, sha('{"cut short'));
    assert.deepEqual(readFileSync(path.join(dir, 'audit.log'), 'utf8').split('\n'), [first, second, '{"cut short', third, '']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
