/**
 * Checking a converted edit-format reply the two ways the pipeline does: the repair engine must
 * pass the diff through byte for byte with no fixes, and git must apply it to the files and give
 * exactly the intended post-image.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repairReply } from '../../src/diff/engine.js';
import { git, makeRepo } from './git-fixture.js';

export type Files = Record<string, string>;

export const reader = (files: Files) => (path: string): string | undefined => (Object.hasOwn(files, path) ? files[path] : undefined);

/** The post-image the engine computes for `diff` over `pre`, after checking it needs no repair. */
export function engineApply(pre: Files, diff: string): Files {
  const out = repairReply(diff, { get: (p) => (Object.hasOwn(pre, p) ? Buffer.from(pre[p] as string) : null) }, { repoName: null });
  assert.equal(out.ok, true, out.error ?? '');
  assert.deepEqual(out.fixes.map((f) => f.kind), [], 'the engine changed the computed diff');
  assert.equal(out.diff, diff);
  const post: Files = { ...pre };
  for (const e of out.expected) {
    if (e.content === null) delete post[e.path];
    else post[e.path] = e.content.toString('utf8');
  }
  return post;
}

/** Apply `diff` with `git apply --index` in a fresh repository of `pre`; the touched paths' content after it (null: deleted). */
export async function gitApply(pre: Files, diff: string, paths: readonly string[]): Promise<Record<string, string | null>> {
  const repo = await makeRepo(pre);
  await git(repo.root, ['apply', '--index', '--whitespace=nowarn', '-'], diff);
  const out: Record<string, string | null> = {};
  for (const p of paths) {
    try {
      out[p] = readFileSync(join(repo.root, p), 'utf8');
    } catch {
      out[p] = null;
    }
  }
  return out;
}
