import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { firstTaskApprovedRun, lines } from './support/complete-run.js';
import { workspace, type Workspace } from './support/workflow-fixture.js';

/** Fields that record a moment (or the run id, which is made from one); everything else must match. */
const MOMENTS = new Set(['created_at', 'at', 'added_at', 'time', 'prev']);

function listFiles(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((entry) => {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(dir, child) : [child];
  });
}

function withoutMoments(value: unknown, runId: string): unknown {
  if (typeof value === 'string') return value.split(runId).join('<run>');
  if (Array.isArray(value)) return value.map((item) => withoutMoments(item, runId));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([key]) => !MOMENTS.has(key)).map(([key, item]) => [key, withoutMoments(item, runId)]));
  }
  return value;
}

describe('determinism: the same inputs give the same requests and the same record', () => {
  let ws: Workspace;
  const runs: string[] = [];

  /** init → plan → approve → add-context → run-task → approve, replies scripted identically. */
  const makeRun = (): Promise<string> => firstTaskApprovedRun(ws);

  before(async () => {
    ws = await workspace();
    runs.push(await makeRun());
    await new Promise((resolve) => setTimeout(resolve, 1100)); // another second: another run id and other times
    runs.push(await makeRun());
  });
  after(() => ws.close());

  const dirOf = (run: string) => path.join(ws.root, 'runs', run);

  test('the two runs hold the same files and byte-identical request bodies', () => {
    const [a, b] = runs as [string, string];
    assert.notEqual(a, b);
    assert.deepEqual(listFiles(dirOf(a)).sort(), listFiles(dirOf(b)).sort());
    const requests = listFiles(dirOf(a)).filter((file) => file.endsWith('.request.json'));
    assert.equal(requests.length, 2);
    for (const file of requests) {
      const bytes = readFileSync(path.join(dirOf(a), file));
      assert.ok(bytes.equals(readFileSync(path.join(dirOf(b), file))), file);
      assert.doesNotMatch(bytes.toString(), new RegExp(`${a}|${ws.root}|\\d{4}-\\d{2}-\\d{2}T\\d{2}:`), `${file} holds no run id, path or time`);
    }
  });

  test('every other artifact is byte-identical, apart from fields that record a moment', () => {
    const [a, b] = runs as [string, string];
    let compared = 0;
    for (const file of listFiles(dirOf(a))) {
      const left = readFileSync(path.join(dirOf(a), file), 'utf8');
      const right = readFileSync(path.join(dirOf(b), file), 'utf8');
      if (file === 'audit.log') {
        // Hashes of files that hold a moment differ with it; the lines must otherwise agree.
        const strip = (text: string, run: string) =>
          lines(text).map((line) => {
            const entry = withoutMoments(JSON.parse(line), run) as { artifacts: Array<{ path: string; sha256?: string }> };
            for (const artifact of entry.artifacts) if (/manifest\.json$|approval\.json$|allowlist\.json$/.test(artifact.path)) delete artifact.sha256;
            return entry;
          });
        assert.deepEqual(strip(left, a), strip(right, b));
      } else if (left === right) {
        // byte-identical
      } else {
        assert.ok(file.endsWith('.json'), `${file} differs and is not JSON`);
        assert.deepEqual(withoutMoments(JSON.parse(left), a), withoutMoments(JSON.parse(right), b), file);
        assert.match(file, /^(manifest\.json|context\/allowlist\.json|.*approval\.json)$/, `${file} differs only in moments, and only files that record one may`);
      }
      compared++;
    }
    assert.ok(compared > 20);
  });
});
