import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DEFAULT_FAKE_MODELS, startFakeOllama, type FakeOllama } from './support/fake-ollama.js';
import { answering, closedPortUrl, rejectsWith } from './support/model-fixtures.js';
import { createProvider } from '../src/model/create-provider.js';

let fake: FakeOllama;
before(async () => {
  fake = await startFakeOllama({ version: '0.11.4' });
});
after(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.setModels(DEFAULT_FAKE_MODELS);
});

const provider = () => createProvider('ollama', fake.url);
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

test('listModels reads /api/tags only', async () => {
  const models = await provider().listModels();
  assert.deepEqual(
    fake.requests.map((r) => `${r.method} ${r.path}`),
    ['GET /api/tags'],
  );
  assert.deepEqual(models[0], {
    name: 'qwen2.5-coder:7b',
    digest: sha('qwen2.5-coder:7b'),
    context_length: null,
    parameters: null,
    family: 'qwen2',
    parameter_size: '7.6B',
    quantization_level: 'Q4_K_M',
  });
  assert.equal(models.length, 2);
});

test('showModel merges the tags entry with /api/show: context length from <arch>.context_length, parameters', async () => {
  const info = await provider().showModel('qwen3:8b');
  assert.deepEqual(
    fake.requests.map((r) => `${r.method} ${r.path} ${r.body}`),
    ['GET /api/tags ', 'POST /api/show {"model":"qwen3:8b"}'],
  );
  assert.equal(info.name, 'qwen3:8b');
  assert.equal(info.digest, sha('qwen3:8b'));
  assert.equal(info.context_length, 40960);
  assert.match(info.parameters ?? '', /^repeat_penalty\s+1\n/);
  assert.equal(info.family, 'qwen3');
});

test('showModel reports no parameter lines as an empty string, not as unknown', async () => {
  const info = await provider().showModel('qwen2.5-coder:7b');
  assert.equal(info.parameters, '');
  assert.equal(info.context_length, 32768);
});

test('showModel finds "name" as "name:latest", the way Ollama resolves it', async () => {
  fake.setModels([{ name: 'mistral:latest', family: 'llama', context_length: 8192 }]);
  const info = await provider().showModel('mistral');
  assert.equal(info.name, 'mistral:latest');
  assert.equal(info.context_length, 8192);
});

test('showModel of a model that is not pulled gives the pull hint without calling /api/show', async () => {
  const err = await rejectsWith(provider().showModel('llama9:70b'), 'model-missing');
  assert.equal(err.message, "model 'llama9:70b' not found on the server (it has qwen2.5-coder:7b, qwen3:8b): run `ollama pull llama9:70b`, or give a name the server has");
  assert.deepEqual(fake.requests.map((r) => r.path), ['/api/tags']);
});

test('serverVersion reads /api/version', async () => {
  assert.equal(await provider().serverVersion(), '0.11.4');
});

test('serverVersion is null on a server without /api/version, and an error on no server', async () => {
  assert.equal(await createProvider('ollama', `${fake.url}/elsewhere`).serverVersion(), null);
  const closed = await closedPortUrl();
  await rejectsWith(createProvider('ollama', closed).serverVersion(), 'unreachable', /^cannot reach the model server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
});

test('a server answering /api/tags with something else is reported, not crashed on', async () => {
  const server = await answering((path) => ({ body: path.endsWith('/api/tags') ? '{"data":[]}' : '{}' }));
  try {
    await rejectsWith(createProvider('ollama', server.url).listModels(), 'malformed-reply', /answered \/api\/tags in an unexpected shape/);
  } finally {
    await server.close();
  }
});
