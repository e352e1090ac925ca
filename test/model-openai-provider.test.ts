import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startFakeOllama, type FakeOllama } from './support/fake-ollama.js';
import { answering, chatInput, closedPortUrl, PARAMS, rejectsWith } from './support/model-fixtures.js';
import { createProvider } from '../src/model/create-provider.js';
import { canonicalJson } from '../src/model/canonical-json.js';

let fake: FakeOllama;
before(async () => {
  fake = await startFakeOllama();
});
after(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
});

const provider = () => createProvider('openai', fake.url);
const send = (overrides: Parameters<typeof chatInput>[0] = {}, timeoutMs = 5000) => {
  const p = provider();
  return p.sendChat(p.buildChatBody(chatInput(overrides)), { timeoutMs });
};

test('the body carries the options chat completions has, and the schema as response_format', () => {
  const schema = { type: 'object', properties: { steps: { type: 'array' } } };
  const body = provider().buildChatBody(chatInput({ format: schema }));
  assert.equal(
    body,
    canonicalJson({
      max_tokens: 2048,
      messages: [
        { content: 'You plan code changes.', role: 'system' },
        { content: 'Add a --verbose flag.', role: 'user' },
      ],
      model: 'qwen2.5-coder:7b',
      response_format: { json_schema: { name: 'plan', schema, strict: true }, type: 'json_schema' },
      seed: 42,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      top_p: 0.9,
    }),
  );
});

test('no cap (num_predict -1) leaves max_tokens out, and no format leaves response_format out', () => {
  const body = JSON.parse(provider().buildChatBody(chatInput({ params: { ...PARAMS, num_predict: -1 } }))) as Record<string, unknown>;
  assert.equal('max_tokens' in body, false);
  assert.equal('response_format' in body, false);
});

test('streams SSE from /v1/chat/completions, byte-identical request, usage from the last chunk', async () => {
  fake.enqueueReply({ content: 'Step 1: add the flag. Step 2: test it.' });
  const p = provider();
  const body = p.buildChatBody(chatInput());
  const result = await p.sendChat(body, { timeoutMs: 5000 });
  assert.equal(fake.requests[0]!.path, '/v1/chat/completions');
  assert.equal(fake.requests[0]!.body, body);
  assert.equal(result.content, 'Step 1: add the flag. Step 2: test it.');
  assert.equal(result.done_reason, 'stop');
  assert.ok(result.raw_stream.startsWith('data: {'));
  assert.ok(result.raw_stream.endsWith('data: [DONE]\n\n'));
  assert.equal(result.stats.completion_tokens, result.raw_stream.split('"delta"').length - 2); // minus the finish chunk
  assert.ok((result.stats.prompt_tokens ?? 0) > 0);
  assert.equal(result.stats.total_duration_ns, null);
});

test('reasoning deltas are kept as thinking', async () => {
  fake.enqueueReply({ thinking: 'Consider the CLI parser first.', content: 'Use commander.' });
  const result = await send();
  assert.equal(result.thinking, 'Consider the CLI parser first.');
  assert.equal(result.content, 'Use commander.');
});

test('reasoning_content (llama.cpp, vLLM, DeepSeek) is kept as thinking too, and SSE details are honoured', async () => {
  const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\r\n\r\n`;
  const sse = [': keep-alive\n\n', 'event: message\n', chunk({ reasoning_content: 'hmm' }), chunk({ content: 'Hi' }), chunk({ content: '!' }, 'stop'), 'data: [DONE]\n\n'].join('');
  const server = await answering(() => ({ body: sse, headers: { 'content-type': 'text/event-stream' } }));
  try {
    const p = createProvider('openai', server.url);
    const result = await p.sendChat(p.buildChatBody(chatInput()), { timeoutMs: 5000 });
    assert.equal(result.thinking, 'hmm');
    assert.equal(result.content, 'Hi!');
    assert.equal(result.raw_stream, sse);
  } finally {
    await server.close();
  }
});

test('a stream without [DONE] and without finish_reason is cut short', async () => {
  fake.enqueueReply({ fault: 'cut-short', content: 'Step 1' });
  const err = await rejectsWith(send(), 'cut-short');
  assert.equal(err.partial?.content, 'Step 1');
});

test('an error event inside the stream fails the call', async () => {
  fake.enqueueReply({ fault: 'error-in-stream', content: 'Step', error: 'out of memory' });
  const err = await rejectsWith(send(), 'stream-error', /reported an error mid-reply: out of memory/);
  assert.equal(err.partial?.content, 'Step');
});

test('a malformed event fails the call', async () => {
  fake.enqueueReply({ fault: 'malformed-json' });
  await rejectsWith(send(), 'malformed-reply', /not a JSON object/);
});

test('HTTP errors carry the server text from the OpenAI error object', async () => {
  fake.enqueueReply({ fault: 'http500', error: 'server busy' });
  await rejectsWith(send(), 'http-error', /^the model server answered HTTP 500 to \/v1\/chat\/completions: server busy: check the server log$/);
});

test('an unknown model is model-missing', async () => {
  await rejectsWith(send({ model: 'nope:1b' }), 'model-missing', /^model 'nope:1b' not found on the server at http:\/\/127\.0\.0\.1:\d+: /);
});

test('a hanging server times out', async () => {
  fake.enqueueReply({ fault: 'hang', content: 'x' });
  await rejectsWith(send({}, 200), 'timeout', /within 0\.2 s: raise timeout_ms in the pack manifest/);
});

test('listModels and showModel read /v1/models; digest and details are unknown', async () => {
  const models = await provider().listModels();
  assert.deepEqual(models.map((m) => m.name), ['qwen2.5-coder:7b', 'qwen3:8b']);
  assert.deepEqual(await provider().showModel('qwen3:8b'), {
    name: 'qwen3:8b', digest: null, context_length: null, parameters: null, family: null, parameter_size: null, quantization_level: null,
  });
  assert.ok(fake.requests.every((r) => r.method === 'GET' && r.path === '/v1/models'));
  await rejectsWith(provider().showModel('missing:1b'), 'model-missing', /^model 'missing:1b' not found on the server/);
  assert.equal(await provider().serverVersion(), null);
});

test('a base URL given with /v1 is accepted, since servers document themselves that way', async () => {
  const p = createProvider('openai', `${fake.url}/v1`);
  assert.equal(p.baseUrl, fake.url);
  assert.equal((await p.listModels()).length, 2);
});

test('a closed port gives the generic "cannot reach" hint', async () => {
  const url = await closedPortUrl();
  const p = createProvider('openai', url);
  const err = await rejectsWith(p.sendChat(p.buildChatBody(chatInput()), { timeoutMs: 5000 }), 'unreachable');
  assert.equal(err.message, `cannot reach the model server at ${url} (ECONNREFUSED): start the server or pass --base-url`);
});

test('a port that browsers and fetch refuse (6000, X11) is a port like any other', async (t) => {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"object":"list","data":[{"id":"m","object":"model"}]}');
  });
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(6000, '127.0.0.1', () => resolve(true));
  });
  if (!listening) return t.skip('port 6000 is in use on this machine');
  try {
    assert.deepEqual((await createProvider('openai', 'http://127.0.0.1:6000').listModels()).map((m) => m.name), ['m']);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
