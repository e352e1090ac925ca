import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import './support/fc-seed.js';
import { parsePlanReply } from '../src/core/plan-reply.js';
import { planJsonSchema, validatePlan } from '../src/schema/plan.js';

const task = (id: string, deps: string[] = [], files = ['src/a.ts']) => ({
  id, title: 't', description: 'd', files, depends_on: deps, acceptance: ['ok'], artifacts: ['patch.diff'],
});
const plan = (tasks: unknown[]) => ({ summary: 's', milestones: [{ id: 'M1', title: 'm', tasks }] });

test('a well-formed plan validates', () => {
  const result = validatePlan(plan([task('T001'), task('T002', ['T001'])]));
  assert.equal(result.ok, true);
});

test('cross-field rules: unique ids, earlier dependencies only, safe relative paths', () => {
  const cases: Array<[unknown, RegExp]> = [
    [plan([task('T001'), task('T001')]), /used twice/],
    [plan([task('T001', ['T002']), task('T002')]), /not an earlier task/],
    [plan([task('T001', ['T001'])]), /depends on itself/],
    [plan([task('T001', [], ['/etc/passwd'])]), /absolute/],
    [plan([task('T001', [], ['.git/config'])]), /\.git/],
    [plan([task('T001', [], ['a/../../b'])]), /\.\./],
    [{ ...plan([task('T001')]), extra: 1 }, /Unrecognized key/],
    [plan([]), /milestones\[0\]\.tasks/],
  ];
  for (const [value, pattern] of cases) {
    const result = validatePlan(value);
    assert.equal(result.ok, false);
    assert.match(result.errors.join('\n'), pattern);
  }
});

test('the JSON Schema sent to the model comes from the same definition', () => {
  const schema = planJsonSchema() as { required: string[]; properties: Record<string, unknown>; $schema?: string };
  assert.deepEqual(schema.required.sort(), ['milestones', 'summary']);
  assert.equal(schema.$schema, undefined);
  assert.match(JSON.stringify(schema), /"pattern":"\^T\\\\d\{3\}\$"/);
});

test('plan replies: bare JSON, a fenced block, a <think> block that is never used', () => {
  assert.deepEqual(parsePlanReply('{"a":1}').value, { a: 1 });
  const fenced = parsePlanReply('Here:\n```json\n{"a":2}\n```\n');
  assert.deepEqual(fenced.value, { a: 2 });
  assert.deepEqual(fenced.fixes, ['took the JSON from a fenced block']);
  const thinking = parsePlanReply('<think>{"draft":true}</think>\n{"a":3}');
  assert.deepEqual(thinking.value, { a: 3 });
  assert.equal(parsePlanReply('<think>{"draft":true}</think>').error, 'the reply is not JSON: the reply is empty');
});

test('untrusted text never makes the plan parser or validator throw', () => {
  fc.assert(
    fc.property(fc.string(), (text) => {
      const parsed = parsePlanReply(text);
      validatePlan(parsed.value);
    }),
  );
  fc.assert(fc.property(fc.jsonValue(), (value) => void validatePlan(value)));
});
