import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { EXECUTOR_FEEDBACK_VALUES, loadPackFromDir, parsePack } from '../src/pack/load-pack.js';
import { parseTemplate, renderTemplate, type Template } from '../src/pack/template.js';
import { DEFAULT_PACK_DIR } from '../src/package-info.js';
import { OrchestratorError } from '../src/errors.js';

const NAMES = ['failure', 'feedback'];
const parsed = (text: string): Template => {
  const result = parseTemplate(text, NAMES);
  assert.notEqual(typeof result, 'string', String(result));
  return result as Template;
};

test('a section is kept only when its value is not empty; its tag lines leave nothing behind', () => {
  const template = parsed('Head.\n{{#failure}}\nFailed: {{failure}}\n{{/failure}}\n{{#feedback}}\nNote: {{feedback}}\n{{/feedback}}\nTail.\n');
  assert.equal(renderTemplate(template, { failure: 'bad hunk' }), 'Head.\nFailed: bad hunk\nTail.\n');
  assert.equal(renderTemplate(template, { failure: '', feedback: 'x' }), 'Head.\nNote: x\nTail.\n');
  assert.equal(renderTemplate(template, {}), 'Head.\nTail.\n');
});

test('values are inserted as they are, never read again as template text', () => {
  const template = parsed('{{#feedback}}\n[{{feedback}}]\n{{/feedback}}\n');
  assert.equal(renderTemplate(template, { feedback: '{{failure}} {{#failure}} $& $1' }), '[{{failure}} {{#failure}} $& $1]\n');
});

test('a template that cannot be read as meant is refused with the line and the reason', () => {
  assert.match(parseTemplate('ok\n{{nope}}\n', NAMES) as string, /^line 2: unknown placeholder \{\{nope\}\}/);
  assert.match(parseTemplate('{{#failure}}\n{{#feedback}}\n{{/feedback}}\n{{/failure}}\n', NAMES) as string, /^line 2: .*do not nest/);
  assert.match(parseTemplate('{{#failure}}\ntext\n', NAMES) as string, /^line 1: section \{\{#failure\}\} is never closed/);
  assert.match(parseTemplate('a {{#failure}} b\n', NAMES) as string, /alone on its line/);
  assert.match(parseTemplate('{{/failure}}\n', NAMES) as string, /closes no open section/);
  // Braces that are no tag (code in a prompt) are text.
  assert.equal(renderTemplate(parsed('function f() {{ return 1; }}\n'), {}), 'function f() {{ return 1; }}\n');
});

test("the shipped pack's feedback templates, one per edit format, parse and use only known values", () => {
  const pack = loadPackFromDir(DEFAULT_PACK_DIR);
  assert.ok(pack.executorFeedback);
  assert.ok(pack.formats.whole?.executorFeedback && pack.formats['search-replace']?.executorFeedback);
  const names = [pack.manifest.prompts.executor_feedback!, ...Object.values(pack.manifest.prompts.edit_formats ?? {}).map((prompts) => prompts!.executor_feedback!)];
  assert.equal(names.length, 3);
  for (const file of names) {
    const text = readFileSync(path.join(DEFAULT_PACK_DIR, file), 'utf8');
    for (const [, name] of text.matchAll(/\{\{[#/]?([a-z_]+)\}\}/g)) assert.ok((EXECUTOR_FEEDBACK_VALUES as readonly string[]).includes(name!), name);
  }
});

test('a pack set to an edit format it has no prompts for is refused, naming what to add', () => {
  const manifest = JSON.parse(readFileSync(path.join(DEFAULT_PACK_DIR, 'manifest.json'), 'utf8'));
  const read = (name: string) => readFileSync(path.join(DEFAULT_PACK_DIR, name));
  manifest.generation.edit_format = 'search-replace';
  delete manifest.prompts.edit_formats['search-replace'];
  assert.throws(
    () => parsePack(Buffer.from(JSON.stringify(manifest)), read, 'p'),
    (error: unknown) => error instanceof OrchestratorError && /^p\/manifest\.json sets generation\.edit_format to search-replace but has no prompts\.edit_formats\.search-replace/.test(error.message),
  );
});

test('a pack whose feedback template is broken is refused, naming the file; one without the key loads with none', () => {
  const manifest = JSON.parse(readFileSync(path.join(DEFAULT_PACK_DIR, 'manifest.json'), 'utf8'));
  const read = (files: Record<string, string>) => (name: string) => Buffer.from(files[name] ?? readFileSync(path.join(DEFAULT_PACK_DIR, name), 'utf8'));
  assert.throws(
    () => parsePack(Buffer.from(JSON.stringify(manifest)), read({ 'executor.feedback.txt': '{{attempt}}\n' }), 'p'),
    (error: unknown) => error instanceof OrchestratorError && /^p\/executor\.feedback\.txt is not a valid prompt template: line 1: unknown placeholder \{\{attempt\}\}/.test(error.message),
  );
  // A pack from before feedback (and edit formats) existed.
  delete manifest.prompts.executor_feedback;
  delete manifest.prompts.edit_formats;
  const old = parsePack(Buffer.from(JSON.stringify(manifest)), read({}), 'p');
  assert.equal(old.executorFeedback, null);
  assert.deepEqual([...old.files.keys()].sort(), ['executor.system.txt', 'manifest.json', 'planner.system.txt']);
});

test('a pack manifest with a field of the wrong kind, or a prompt named by a path, is refused naming the field and what to do', () => {
  const manifest = JSON.parse(readFileSync(path.join(DEFAULT_PACK_DIR, 'manifest.json'), 'utf8'));
  const read = (name: string) => readFileSync(path.join(DEFAULT_PACK_DIR, name));
  assert.throws(
    () => parsePack(Buffer.from(JSON.stringify({ ...manifest, generation: { ...manifest.generation, temperature: 'hot' } })), read, 'p'),
    (error: unknown) =>
      error instanceof OrchestratorError &&
      /^p\/manifest\.json is not a valid pack manifest at generation\.temperature: .*; fix that field \(the shipped packs\/core\/manifest\.json shows every field\)$/.test(error.message),
  );
  assert.throws(
    () => parsePack(Buffer.from(JSON.stringify({ ...manifest, prompts: { ...manifest.prompts, planner_system: '../planner.system.txt' } })), read, 'p'),
    (error: unknown) => error instanceof OrchestratorError && error.message === 'pack prompt "../planner.system.txt" must be a file name in the pack folder, not a path: put the prompt in p and name it by its file name in manifest.json',
  );
});
