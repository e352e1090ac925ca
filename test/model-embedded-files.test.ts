/**
 * The embedded provider's parts that need no engine: the GGUF header check, Ollama store
 * resolution, the digest cache and the JSON Schema → GBNF conversion.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { OrchestratorError } from '../src/errors.js';
import { readGgufHeader, trainedContextLength } from '../src/model/embedded/gguf-header.js';
import { jsonSchemaToGbnf, patternToGbnf } from '../src/model/embedded/json-schema-grammar.js';
import { fileSha256, ollamaStoreDir, recordedModelName, resolveModel } from '../src/model/embedded/model-file.js';
import { planJsonSchema } from '../src/schema/plan.js';
import { TINY_VOCAB_SIZE, tinyGguf } from './support/gguf-writer.js';

const dir = mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-embedded-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

describe('GGUF header check', () => {
  const good = tinyGguf();

  test('reads the metadata and tensors of a well-formed file', () => {
    const header = readGgufHeader(write('good.gguf', good));
    assert.equal(header.version, 3);
    assert.equal(header.metadata.get('general.architecture'), 'llama');
    assert.equal(trainedContextLength(header), 4096);
    assert.equal((header.metadata.get('tokenizer.ggml.tokens') as string[]).length, TINY_VOCAB_SIZE);
    assert.equal(header.tensorCount, 3 + 2 * 9);
    assert.equal(header.expectedBytes, good.length);
  });

  const damaged: Array<[string, Buffer, RegExp]> = [
    ['empty', Buffer.alloc(0), /does not start with the GGUF magic bytes/],
    ['other magic', Buffer.concat([Buffer.from('GGML'), good.subarray(4)]), /does not start with the GGUF magic bytes/],
    ['version 9', (() => { const b = Buffer.from(good); b.writeUInt32LE(9, 4); return b; })(), /GGUF version 9 is not 2 or 3/],
    ['cut in the header', good.subarray(0, 100), /it is truncated: it ends inside the header \(100 bytes\)/],
    ['cut in the data', good.subarray(0, good.length - 1), new RegExp(`it is truncated: the header describes ${good.length} bytes, the file has ${good.length - 1}`)],
    ['absurd tensor count', (() => { const b = Buffer.from(good); b.writeBigUInt64LE(2n ** 62n, 8); return b; })(), /tensor count is \d+, which no real file has/],
    ['absurd string length', (() => { const b = Buffer.from(good); b.writeBigUInt64LE(2n ** 40n, 24); return b; })(), /a string of \d+ bytes in the header/],
  ];
  for (const [name, bytes, expected] of damaged) {
    test(`refuses a file: ${name}`, () => {
      const file = write(`${name.replace(/ /g, '-')}.gguf`, bytes);
      assert.throws(
        () => readGgufHeader(file),
        (error: unknown) => error instanceof OrchestratorError && expected.test(error.message) && error.message.startsWith(`model file ${file} is not a usable GGUF file: `) && !error.message.includes('\n'),
      );
    });
  }

  test('a missing file says so', () => {
    assert.throws(() => readGgufHeader(path.join(dir, 'nowhere.gguf')), /model file .*nowhere\.gguf does not exist: check the path/);
  });
});

describe('model names: paths and ollama: references', () => {
  test('a path is recorded absolute; an ollama: name as given', () => {
    assert.equal(recordedModelName('models/a.gguf', '/work/repo'), path.resolve('/work/repo', 'models/a.gguf'));
    assert.equal(recordedModelName('ollama:qwen2.5-coder:7b', '/work/repo'), 'ollama:qwen2.5-coder:7b');
  });

  test('the store is $OLLAMA_MODELS, else ~/.ollama/models', () => {
    assert.equal(ollamaStoreDir({ OLLAMA_MODELS: '/srv/ollama' }), path.resolve('/srv/ollama'));
    assert.match(ollamaStoreDir({}), /[/\\]\.ollama[/\\]models$/);
  });

  test('registry, namespace and tag default as ollama pull does, and the model layer gives the blob', () => {
    const store = path.join(dir, 'store');
    const hex = 'ab'.repeat(32);
    const manifest = (rel: string) => {
      mkdirSync(path.dirname(path.join(store, 'manifests', rel)), { recursive: true });
      writeFileSync(path.join(store, 'manifests', rel), JSON.stringify({ layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${hex}` }] }));
    };
    manifest('registry.ollama.ai/library/qwen2.5-coder/7b');
    manifest('registry.ollama.ai/library/llama3/latest');
    manifest('registry.ollama.ai/someone/tuned/q4');
    manifest('example.com/team/coder/v1');
    const env = { OLLAMA_MODELS: store };
    const blob = path.join(store, 'blobs', `sha256-${hex}`);
    for (const name of ['ollama:qwen2.5-coder:7b', 'ollama:llama3', 'ollama:someone/tuned:q4', 'ollama:example.com/team/coder:v1']) {
      assert.deepEqual(resolveModel(name, env), { name, path: blob, knownSha256: hex }, name);
    }
    assert.throws(() => resolveModel('ollama:qwen2.5-coder:14b', env), /no Ollama manifest at .*qwen2\.5-coder[/\\]14b: run `ollama pull qwen2\.5-coder:14b`, or set OLLAMA_MODELS/);
    assert.throws(() => resolveModel('ollama:../../etc/passwd', env), /is not an Ollama model name/);
    manifest('registry.ollama.ai/library/broken/latest');
    writeFileSync(path.join(store, 'manifests/registry.ollama.ai/library/broken/latest'), JSON.stringify({ layers: [{ mediaType: 'application/vnd.ollama.image.template', digest: `sha256:${hex}` }] }));
    assert.throws(() => resolveModel('ollama:broken', env), /has no model layer \(application\/vnd\.ollama\.image\.model\)/);
  });
});

describe('sha256 of model files, cached by file identity', () => {
  test('hashes, reuses the cached value while the file is unchanged, and hashes again when it changes', async () => {
    const env = { XDG_CACHE_HOME: path.join(dir, 'cache') };
    const file = write('hash-me.gguf', Buffer.from('first'));
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    assert.equal(await fileSha256(file, env), sha('first'));
    // Prove the cache is read: plant a value for the same identity.
    const cacheFile = path.join(dir, 'cache', 'llm-orchestrator', 'gguf-sha256.json');
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, string>;
    const [key] = Object.keys(cache);
    writeFileSync(cacheFile, JSON.stringify({ [key!]: 'planted' }));
    assert.equal(await fileSha256(file, env), 'planted');
    assert.equal(await fileSha256(file, env, { fresh: true }), sha('first'), 'fresh ignores the cache');
    writeFileSync(file, 'second');
    utimesSync(file, new Date(2001, 1, 1), new Date(2001, 1, 1));
    assert.equal(await fileSha256(file, env), sha('second'));
  });
});

describe('JSON Schema → GBNF', () => {
  test('patterns become grammar over the JSON-encoded characters', () => {
    assert.equal(patternToGbnf('^T\\d{3}$'), '("T" [0-9]{3})');
    assert.equal(patternToGbnf('^M\\d+$'), '("M" [0-9]+)');
    assert.equal(patternToGbnf('^(?:ab|c)?[a-z_.]{2,4}$'), '((("a" "b" | "c"))? [a-z_.]{2,4})');
    assert.equal(patternToGbnf('x'), 'char* ("x") char*');
    assert.equal(patternToGbnf('^a\\.b$'), '("a" "." "b")');
  });

  test('what cannot be enforced exactly is refused, naming it', () => {
    assert.throws(() => patternToGbnf('^(?=a)b$'), /lookaround/);
    assert.throws(() => patternToGbnf('^[^a]$'), /negated character class/);
    assert.throws(() => patternToGbnf('^\\bword$'), /the escape \\b/);
    assert.throws(() => jsonSchemaToGbnf({ type: 'string', format: 'email' }), /uses the keyword "format"/);
    assert.throws(() => jsonSchemaToGbnf({ type: 'object', properties: {}, required: ['a'] }), /required property "a" without a schema/);
  });

  test('the plan schema gives one compact grammar, the same every time', () => {
    const grammar = jsonSchemaToGbnf(planJsonSchema());
    assert.equal(grammar, jsonSchemaToGbnf(planJsonSchema()));
    assert.match(grammar, /^root ::= root-\d+\n/);
    assert.match(grammar, /"\\"T" \[0-9\]\{3\}|\("T" \[0-9\]\{3\}\)/);
    assert.match(grammar, /"\\"patch\.diff\\""/);
    for (const key of ['summary', 'milestones', 'depends_on', 'acceptance', 'artifacts']) assert.ok(grammar.includes(`"\\"${key}\\":"`), key);
  });

  test('arrays keep their bounds; optional properties are left out', () => {
    const grammar = jsonSchemaToGbnf({
      type: 'object',
      properties: { a: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 3 }, b: { type: 'boolean' } },
      required: ['a'],
    });
    assert.match(grammar, /^root-a-2 ::= "\[" root-a-item-1 \("," root-a-item-1\)\{1,2\} "\]"$/m);
    assert.ok(!grammar.includes('"\\"b\\":"'));
  });
});
