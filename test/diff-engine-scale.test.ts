import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filesNeeded, repairReply } from '../src/diff/engine.js';
import { bigPatch } from './support/big-patch.js';

test('a 1,000-file, 5 MB patch is repaired in well under the time a person waits (linear cost)', () => {
  for (const corrupt of [false, true]) {
    const { reply, files } = bigPatch(1000, corrupt);
    assert.ok(reply.length > 5_000_000);
    const t0 = performance.now();
    const needed = filesNeeded(reply, { repoName: 'repo' });
    const r = repairReply(reply, { get: (p) => files.get(p) ?? null }, { repoName: 'repo' });
    const ms = performance.now() - t0;
    assert.equal(r.ok, true, r.error ?? '');
    assert.equal(r.expected.length, 1000);
    assert.ok(needed.length >= 1000);
    if (!corrupt) assert.equal(r.diff, reply);
    // Generous for slow, shared test machines: about 0.5 s on an idle 2-core VM.
    assert.ok(ms < 10_000, `took ${ms.toFixed(0)} ms`);
  }
});

test('a 5 MB patch is repaired within a 44 MB heap: the hunk lines of one file at a time, not an object per line of the whole reply', () => {
  // A child with a small old generation fails with "heap out of memory" if the engine holds the
  // whole reply as line objects again (that took about 60 MB here; it now needs about 32 MB).
  const script = `
    const { bigPatch } = await import(${JSON.stringify(new URL('./support/big-patch.js', import.meta.url).href)});
    const { filesNeeded, repairReply } = await import(${JSON.stringify(new URL('../src/diff/engine.js', import.meta.url).href)});
    for (const corrupt of [false, true]) {
      const { reply, files } = bigPatch(1000, corrupt);
      filesNeeded(reply, { repoName: 'repo' });
      const r = repairReply(reply, { get: (p) => files.get(p) ?? null }, { repoName: 'repo' });
      if (!r.ok || r.expected.length !== 1000) throw new Error(r.error ?? 'not every file repaired');
    }
    process.stdout.write('repaired');
  `;
  const child = spawnSync(process.execPath, ['--max-old-space-size=44', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.stdout, 'repaired', `exit ${child.status} ${child.signal ?? ''}: ${child.stderr.split('\n').find((l) => /heap|Error/.test(l)) ?? child.stderr.slice(0, 300)}`);
});
