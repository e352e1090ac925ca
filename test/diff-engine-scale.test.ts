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

test('a 5 MB reply of 700,000 short lines is extracted, and its files found again for validation, within a 26 MB heap: no string per line', () => {
  // Both read the reply through line offsets; splitting it into a string per line took more than
  // 32 MB here (a sliced string and an array slot per line), so a child with a 26 MB old
  // generation fails with "heap out of memory" if either splits it again.
  const script = `
    const { extractDiff } = await import(${JSON.stringify(new URL('../src/diff/extract.js', import.meta.url).href)});
    const { parseDiffFiles } = await import(${JSON.stringify(new URL('../src/diff/parse.js', import.meta.url).href)});
    const hunks = [];
    for (let h = 0; h < 20; h++) hunks.push(\`@@ -\${h * 20 + 1},7 +\${h * 20 + 1},7 @@\\n a\${h}\\n b\${h}\\n c\${h}\\n-x = \${h};\\n+x = \${h + 1};\\n d\${h}\\n e\${h}\\n f\${h}\\n\`);
    const body = hunks.join('');
    const files = [];
    for (let f = 0; f < 4000; f++) files.push(\`diff --git a/src/f\${f}.js b/src/f\${f}.js\\n--- a/src/f\${f}.js\\n+++ b/src/f\${f}.js\\n\${body}\`);
    const reply = 'Here it is:\\n\`\`\`diff\\n' + files.join('') + '\`\`\`\\n';
    files.length = 0;
    const extracted = extractDiff(reply, { keepCr: true, keepTrailingLines: true });
    if ('error' in extracted || extracted.diff.length < 5_000_000) throw new Error('not extracted');
    const found = parseDiffFiles(extracted.diff);
    if (found.length !== 4000 || found.some((f) => f.hunks.length !== 20 || !f.prefixed)) throw new Error('files not found');
    process.stdout.write('read');
  `;
  const child = spawnSync(process.execPath, ['--max-old-space-size=26', '--max-semi-space-size=1', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.stdout, 'read', `exit ${child.status} ${child.signal ?? ''}: ${child.stderr.split('\n').find((l) => /heap|Error/.test(l)) ?? child.stderr.slice(0, 300)}`);
});
