import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filesNeeded, repairReply } from '../src/diff/engine.js';

/** A patch of `n` files of 120 lines, each with 4 hunks rewriting 10 lines: about 5.5 KB per file. */
function bigPatch(n: number, corrupt: boolean): { reply: string; files: Map<string, Buffer> } {
  const files = new Map<string, Buffer>();
  let reply = '';
  for (let f = 0; f < n; f++) {
    const path = `pkg/m${f % 31}/f${f}.go`;
    const lines = Array.from({ length: 120 }, (_, i) => (i % 12 === 0 ? '}' : i % 9 === 0 ? '' : `\tvalue${i} := compute(${i}, "file ${f} with some more text")`));
    files.set(path, Buffer.from(`${lines.join('\n')}\n`));
    reply += corrupt ? `--- ${path}\n+++ ${path}\n` : `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n`;
    for (let h = 0; h < 4; h++) {
      const s = h * 30 + 4;
      const ctx = (k: number): string => (corrupt ? ` ${(lines[k] as string).replace('\t', '    ')}` : ` ${lines[k]}`);
      const body = [
        ...[s - 3, s - 2, s - 1].map(ctx),
        ...lines.slice(s, s + 10).map((l) => `-${l}`),
        ...lines.slice(s, s + 10).map((l) => `+${l.replace('compute', 'recompute')}`),
        ...[s + 10, s + 11, s + 12].map(ctx),
      ];
      reply += `${corrupt ? '@@ ... @@' : `@@ -${s - 2},16 +${s - 2},16 @@`}\n${body.join('\n')}\n`;
    }
  }
  return { reply, files };
}

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
