/**
 * The fake is only useful if it answers like the real server, so its shapes are pinned here
 * (field sets from ollama/ollama api/types.go and docs/api.md).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOllama, type FakeOllama } from './support/fake-ollama.js';
import { splitTokens } from './support/fake-ollama-render.js';

let fake: FakeOllama;
before(async () => {
  fake = await startFakeOllama();
});
after(() => fake.close());

const post = (path: string, body: unknown) => fetch(fake.url + path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
const chatBody = (extra: object = {}) => ({ model: 'qwen2.5-coder:7b', messages: [{ role: 'user', content: 'hi' }], ...extra });

test('streamed /api/chat: NDJSON chunks, then a done line with every stat', async () => {
  fake.enqueueReply({ content: 'Hello there, friend.' });
  const res = await post('/api/chat', chatBody());
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/x-ndjson');
  const lines = (await res.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines.map((l) => (l['message'] as { content: string }).content), ['Hello', ' there', ',', ' friend', '.', '']);
  assert.deepEqual(Object.keys(lines[0]!), ['model', 'created_at', 'message', 'done']);
  const done = lines.at(-1)!;
  assert.deepEqual(Object.keys(done), ['model', 'created_at', 'message', 'done_reason', 'done', 'total_duration', 'load_duration', 'prompt_eval_count', 'prompt_eval_duration', 'eval_count', 'eval_duration']);
  assert.equal(done['done'], true);
  assert.equal(done['done_reason'], 'stop');
  assert.equal(done['eval_count'], 5);
});

test('stream:false gives one JSON object with the whole message', async () => {
  fake.enqueueReply({ content: 'All at once.', thinking: 'Easy.' });
  const res = await post('/api/chat', chatBody({ model: 'qwen3:8b', stream: false, think: true }));
  assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
  const body = (await res.json()) as Record<string, unknown>;
  assert.deepEqual(body['message'], { role: 'assistant', content: 'All at once.', thinking: 'Easy.' });
  assert.equal(body['done'], true);
});

test('errors use Ollama\'s status codes and wording', async () => {
  const missing = await post('/api/chat', chatBody({ model: 'ghost:1b' }));
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { error: 'model "ghost:1b" not found, try pulling it first' });

  const show = await post('/api/show', { model: 'ghost:1b' });
  assert.equal(show.status, 404);
  assert.deepEqual(await show.json(), { error: "model 'ghost:1b' not found" });

  const think = await post('/api/chat', chatBody({ think: true }));
  assert.equal(think.status, 400);
  assert.deepEqual(await think.json(), { error: '"qwen2.5-coder:7b" does not support thinking' });

  const empty = await post('/api/chat', '');
  assert.equal(empty.status, 400);
  assert.deepEqual(await empty.json(), { error: 'missing request body' });

  const unknown = await fetch(fake.url + '/api/nothing');
  assert.equal(unknown.status, 404);
  assert.equal(await unknown.text(), '404 page not found');
  assert.equal((await fetch(fake.url + '/api/chat')).status, 404, 'wrong method is a 404 too, as in gin');
});

test('/api/tags, /api/show and /api/version have the documented fields', async () => {
  const tags = (await (await fetch(fake.url + '/api/tags')).json()) as { models: Array<Record<string, unknown>> };
  assert.deepEqual(Object.keys(tags.models[0]!), ['name', 'model', 'modified_at', 'size', 'digest', 'details']);
  assert.deepEqual(Object.keys(tags.models[0]!['details'] as object), ['parent_model', 'format', 'family', 'families', 'parameter_size', 'quantization_level']);
  assert.match(String(tags.models[0]!['digest']), /^[0-9a-f]{64}$/);

  const show = (await (await post('/api/show', { model: 'qwen3:8b' })).json()) as Record<string, unknown>;
  for (const key of ['modelfile', 'parameters', 'template', 'details', 'model_info', 'capabilities']) assert.ok(key in show, key);
  const info = show['model_info'] as Record<string, unknown>;
  assert.equal(info['general.architecture'], 'qwen3');
  assert.equal(info['qwen3.context_length'], 40960);

  assert.deepEqual(await (await fetch(fake.url + '/api/version')).json(), { version: '0.9.6' });
});

test('an empty messages list is a model load, as on the real server', async () => {
  const res = await post('/api/chat', { model: 'qwen2.5-coder:7b', messages: [], stream: false });
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(body['done_reason'], 'load');
});

test('/v1/chat/completions streams SSE chunks, a finish chunk, usage on request, then [DONE]', async () => {
  fake.enqueueReply({ content: 'Hi there.' });
  const res = await post('/v1/chat/completions', { ...chatBody(), stream: true, stream_options: { include_usage: true } });
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const events = (await res.text()).split('\n\n').filter(Boolean);
  assert.equal(events.at(-1), 'data: [DONE]');
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')) as Record<string, unknown>);
  assert.equal(chunks[0]!['object'], 'chat.completion.chunk');
  const finish = chunks.at(-2)!['choices'] as Array<Record<string, unknown>>;
  assert.equal(finish[0]!['finish_reason'], 'stop');
  assert.deepEqual(chunks.at(-1)!['usage'], { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 });
});

test('/v1/models lists the registry; unknown models get an OpenAI-shaped 404', async () => {
  const list = (await (await fetch(fake.url + '/v1/models')).json()) as { object: string; data: Array<{ id: string }> };
  assert.equal(list.object, 'list');
  assert.deepEqual(list.data.map((m) => m.id), ['qwen2.5-coder:7b', 'qwen3:8b']);
  const res = await post('/v1/chat/completions', { ...chatBody({ model: 'ghost:1b' }), stream: true });
  assert.equal(res.status, 404);
  assert.deepEqual(await res.json(), { error: { message: 'model "ghost:1b" not found, try pulling it first', type: 'not_found_error', param: null, code: null } });
});

test('with nothing scripted the fake says so loudly instead of inventing a reply', async () => {
  const res = await post('/api/chat', chatBody());
  assert.equal(res.status, 500);
  assert.match(((await res.json()) as { error: string }).error, /no reply scripted/);
});

test('onChat sees the parsed request when the queue is empty', async () => {
  fake.onChat((req) => ({ content: `echo ${(req.body['options'] as { seed: number }).seed}` }));
  try {
    const res = await post('/api/chat', chatBody({ stream: false, options: { seed: 7 } }));
    assert.equal(((await res.json()) as { message: { content: string } }).message.content, 'echo 7');
  } finally {
    fake.onChat(null);
  }
});

test('splitTokens keeps every character and honours an exact chunk count', () => {
  for (const text of ['Hello, world!  ', '  x', 'a🎉b', 'fn(a,b) => a+b;\n']) {
    assert.equal(splitTokens(text).join(''), text);
    assert.equal(splitTokens(text, 3).join(''), text);
    assert.equal(splitTokens(text, 3).length, 3);
  }
  assert.deepEqual(splitTokens('🎉🎉', 2), ['🎉', '🎉']);
  assert.deepEqual(splitTokens(''), []);
});
