import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import './support/fc-seed.js';
import { canonicalJson } from '../src/model/canonical-json.js';

test('sorts keys at every depth and keeps array order', () => {
  const out = canonicalJson({ b: 1, a: { d: [3, 1, 2], c: null } });
  assert.equal(out, '{\n  "a": {\n    "c": null,\n    "d": [\n      3,\n      1,\n      2\n    ]\n  },\n  "b": 1\n}\n');
});

test('formats like JSON.stringify(v, null, 2) plus a trailing newline', () => {
  const value = { a: 'x"\n\u2028é', b: [true, false, null, 1.5e-7, -0, 1e21], c: {}, d: [], e: [{}, []] };
  assert.equal(canonicalJson(value), JSON.stringify(value, null, 2) + '\n');
});

test('integer-like keys are sorted as strings, not numerically as JS objects enumerate them', () => {
  // Object.keys({b:0, 10:0, 2:0}) is ['2', '10', 'b']; string order puts "10" before "2".
  assert.equal(canonicalJson({ b: 0, 10: 0, 2: 0 }), '{\n  "10": 0,\n  "2": 0,\n  "b": 0\n}\n');
});

test('drops undefined properties but refuses undefined array items', () => {
  assert.equal(canonicalJson({ a: undefined, b: 1 }), '{\n  "b": 1\n}\n');
  assert.equal(canonicalJson({ a: undefined }), '{}\n');
  assert.throws(() => canonicalJson([1, undefined]), /\$\[1\] is undefined/);
  assert.throws(() => canonicalJson(undefined), /top-level value is undefined/);
});

test('refuses what JSON cannot represent faithfully, naming where it is', () => {
  assert.throws(() => canonicalJson({ a: { b: NaN } }), /\$\.a\.b is NaN/);
  assert.throws(() => canonicalJson({ a: Infinity }), /Infinity/);
  assert.throws(() => canonicalJson({ a: 1n }), /bigint/);
  assert.throws(() => canonicalJson({ a: () => 1 }), /function/);
  assert.throws(() => canonicalJson({ a: new Map() }), /\$\.a is a Map/);
  assert.throws(() => canonicalJson(new (class Plan {})()), /is a Plan/);
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  assert.throws(() => canonicalJson(cyclic), /cycle/);
});

test('a value shared in two places is not mistaken for a cycle', () => {
  const shared = { x: 1 };
  assert.equal(canonicalJson({ a: shared, b: shared }), '{\n  "a": {\n    "x": 1\n  },\n  "b": {\n    "x": 1\n  }\n}\n');
});

test('uses toJSON (Dates become ISO strings) and accepts null-prototype objects', () => {
  assert.equal(canonicalJson({ at: new Date('2025-01-02T03:04:05.000Z') }), '{\n  "at": "2025-01-02T03:04:05.000Z"\n}\n');
  const bare = Object.create(null) as Record<string, unknown>;
  bare['z'] = 1;
  bare['a'] = 2;
  assert.equal(canonicalJson(bare), '{\n  "a": 2,\n  "z": 1\n}\n');
});

const jsonValue = fc.jsonValue({ maxDepth: 4 });

test('property: output parses back to an equal value', () => {
  fc.assert(
    fc.property(jsonValue, (v) => {
      assert.deepStrictEqual(JSON.parse(canonicalJson(v)), JSON.parse(JSON.stringify(v)));
    }),
  );
});

test('property: idempotent and independent of key insertion order', () => {
  const reverseKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(reverseKeys);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)]));
    }
    return v;
  };
  fc.assert(
    fc.property(jsonValue, (v) => {
      const once = canonicalJson(v);
      assert.equal(canonicalJson(JSON.parse(once)), once);
      assert.equal(canonicalJson(reverseKeys(v)), once);
    }),
  );
});
