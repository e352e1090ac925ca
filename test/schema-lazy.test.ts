import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as carryOver from '../src/schema/carry-over.js';
import * as jsonEnvelope from '../src/schema/json-envelope.js';
import * as jsonOutput from '../src/schema/json-output.js';
import { isLazy, lazy, real } from '../src/schema/lazy.js';
import * as packManifest from '../src/schema/pack-manifest.js';
import * as plan from '../src/schema/plan.js';
import * as runFiles from '../src/schema/run-files.js';
import * as undo from '../src/schema/undo.js';

const MODULES = { carryOver, jsonEnvelope, jsonOutput, packManifest, plan, runFiles, undo };

/** The stand-ins and schemas found inside `schema` (its definition, recursively), with where. */
function inside(schema: unknown, where: string, seen = new Set<unknown>()): Array<{ where: string; lazy: boolean }> {
  if (typeof schema !== 'object' || schema === null || seen.has(schema)) return [];
  seen.add(schema);
  if (isLazy(schema)) return [{ where, lazy: true }];
  const zod = (schema as { _zod?: { def?: unknown } })._zod;
  const found = zod === undefined ? [] : [{ where, lazy: false }];
  const parts = zod === undefined ? (schema as Record<string, unknown>) : (zod.def as Record<string, unknown>);
  for (const [key, value] of Object.entries(parts)) found.push(...inside(value, `${where}.${key}`, seen));
  return found;
}

test('no schema holds a stand-in: each one built inside another is the very object (zod names and describes by identity)', () => {
  let schemas = 0;
  for (const [file, exports] of Object.entries(MODULES)) {
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value !== 'object' || value === null || !('_zod' in value)) continue;
      const found = inside(real(value), `${file}.${name}`).slice(1);
      schemas += found.length;
      assert.deepEqual(found.filter((entry) => entry.lazy).map((entry) => entry.where), [], 'a stand-in inside a schema: build it in with real()');
    }
  }
  // The walk reaches into the schemas: a walk that saw nothing would pass whatever they held.
  assert.ok(schemas > 100, `only ${schemas} schemas seen`);
});

test('a stand-in builds its schema once, on first use, and reads and parses as the schema', () => {
  let builds = 0;
  const Pair = lazy(() => {
    builds++;
    return real(runFiles.FixRecord);
  });
  assert.equal(builds, 0);
  assert.equal(real(Pair), real(runFiles.FixRecord));
  assert.equal(Pair._zod, real(runFiles.FixRecord)._zod);
  assert.equal(builds, 1);
  const record = { kind: 'k', file: null, hunk: null, detail: 'd', before: '', after: '' };
  assert.deepEqual(Pair.parse(record), record);
  assert.equal(Pair.safeParse({ ...record, extra: 1 }).success, false);
  assert.equal(builds, 1);
  assert.equal(real(record), record, 'real() of anything else is that value');
});
