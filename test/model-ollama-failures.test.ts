import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeOllama, type FakeOllama } from './support/fake-ollama.js';
import { chatInput, closedPortUrl, PARAMS, rejectsWith } from './support/model-fixtures.js';
import { createProvider } from '../src/model/create-provider.js';
import { ModelCallError } from '../src/errors.js';

let fake: FakeOllama;
before(async () => {
  fake = await startFakeOllama();
});
after(() => fake.close());

const send = (overrides: Parameters<typeof chatInput>[0] = {}, timeoutMs = 5000, signal?: AbortSignal) => {
  const p = createProvider('ollama', fake.url);
  return p.sendChat(p.buildChatBody(chatInput(overrides)), { timeoutMs, signal });
};

test('an {"error"} line inside a 200 stream fails the call and keeps what came before it', async () => {
  fake.enqueueReply({ fault: 'error-in-stream', content: 'Step 1: begin', error: 'an error was encountered while running the model' });
  const err = await rejectsWith(send(), 'stream-error', /^the model server reported an error mid-reply: an error was encountered while running the model: check the Ollama server log/);
  assert.ok(err instanceof ModelCallError);
  assert.equal(err.partial?.content, 'Step 1: begin');
  assert.match(err.partial?.raw_stream ?? '', /\{"error":"an error was encountered while running the model"\}\n$/);
});

test('a stream that ends without done:true is "cut short", with the partial content kept', async () => {
  fake.enqueueReply({ fault: 'cut-short', content: 'Step 1: parse the' });
  const err = await rejectsWith(send(), 'cut-short', /^the reply was cut short/);
  assert.equal(err.partial?.content, 'Step 1: parse the');
  assert.equal(err.partial?.done_reason, null);
  assert.equal(err.partial?.stats.completion_tokens, null);
  assert.ok((err.partial?.raw_stream.length ?? 0) > 0);
});

test('a line that is not JSON fails as malformed, keeping the partial reply', async () => {
  fake.enqueueReply({ fault: 'malformed-json', content: 'Hello' });
  const err = await rejectsWith(send(), 'malformed-reply', /not a JSON object/);
  assert.equal(err.partial?.content, 'Hello');
});

test('HTTP 500 gives the server\'s own error text and status', async () => {
  fake.enqueueReply({ fault: 'http500', error: 'llama runner process has terminated: exit status 2' });
  const err = await rejectsWith(send(), 'http-error', /^the model server answered HTTP 500 to \/api\/chat: llama runner process has terminated: exit status 2: check the Ollama server log/);
  assert.equal(err.status, 500);
  assert.equal(err.body, '{"error":"llama runner process has terminated: exit status 2"}');
  assert.equal(err.url, `${fake.url}/api/chat`);
});

test('a model the server does not have gives the pull hint', async () => {
  const err = await rejectsWith(send({ model: 'llama9:70b' }), 'model-missing');
  assert.equal(err.message, "model 'llama9:70b' not found on the server: run `ollama pull llama9:70b`");
  assert.equal(err.status, 404);
  assert.match(err.body ?? '', /model \\"llama9:70b\\" not found, try pulling it first/);
});

test('think:true on a model without thinking says to turn think off', async () => {
  await rejectsWith(send({ params: { ...PARAMS, think: true } }), 'http-error', /^model 'qwen2\.5-coder:7b' does not support thinking .*set think to false in the pack manifest$/);
});

test('a server that is not Ollama (404 page not found) is named as such', async () => {
  const p = createProvider('ollama', `${fake.url}/not-ollama`);
  await rejectsWith(p.sendChat(p.buildChatBody(chatInput()), { timeoutMs: 5000 }), 'http-error', /has no \/not-ollama\/api\/chat endpoint \(HTTP 404\): check that --base-url points at an Ollama server/);
});

test('a closed port gives the "cannot reach" message with the address and what to do', async () => {
  const url = await closedPortUrl();
  const p = createProvider('ollama', url);
  const err = await rejectsWith(p.sendChat(p.buildChatBody(chatInput()), { timeoutMs: 5000 }), 'unreachable');
  assert.equal(err.message, `cannot reach the model server at ${url} (ECONNREFUSED): start Ollama (\`ollama serve\`) or pass --base-url`);
  assert.equal(err.partial?.content, '');
});

test('a hanging server times out after timeoutMs, naming the time and where to change it', async () => {
  fake.enqueueReply({ fault: 'hang', content: 'Thinking about' });
  const started = Date.now();
  const err = await rejectsWith(send({}, 300), 'timeout');
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 280 && elapsed < 3000, `took ${elapsed} ms`);
  assert.equal(err.message, 'no complete reply from the model within 0.3 s: raise timeout_ms in the pack manifest (now 300) or lower num_predict');
  assert.equal(err.aborted, false);
  assert.equal(err.partial?.content, 'Thinking about', 'the timeout covers reading the body too, and keeps what arrived');
});

test('the caller\'s abort signal stops the call and is reported as aborted, not as a timeout', async () => {
  fake.enqueueReply({ fault: 'hang', content: 'Partial' });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 150);
  const err = await rejectsWith(send({}, 10_000, controller.signal), 'aborted', /^the model call was aborted$/);
  assert.equal(err.aborted, true);
  assert.equal(err.partial?.content, 'Partial');
});

test('an already-aborted signal sends nothing', async () => {
  const before = fake.requests.length;
  await rejectsWith(send({}, 5000, AbortSignal.abort()), 'aborted');
  assert.equal(fake.requests.length, before);
});

test('a connection that breaks mid-stream is cut short, not "cannot reach"', async () => {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write('{"model":"m","created_at":"2025-01-01T00:00:00Z","message":{"role":"assistant","content":"Half"},"done":false}\n');
    setTimeout(() => res.socket?.destroy(), 50);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const p = createProvider('ollama', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const err = await rejectsWith(p.sendChat(p.buildChatBody(chatInput()), { timeoutMs: 5000 }), 'cut-short', /broke mid-stream/);
    assert.equal(err.partial?.content, 'Half');
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
