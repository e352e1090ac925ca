import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOllama, type FakeOllama } from './support/fake-ollama.js';
import { chatInput, PARAMS } from './support/model-fixtures.js';
import { createProvider } from '../src/model/create-provider.js';
import { canonicalJson } from '../src/model/canonical-json.js';
import type { ChatProgress } from '../src/model/types.js';

let fake: FakeOllama;
before(async () => {
  fake = await startFakeOllama();
});
after(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
});

const provider = () => createProvider('ollama', fake.url);

test('the body is canonical JSON with every sampling option, truncate/shift off and think explicit', () => {
  const body = provider().buildChatBody(chatInput());
  assert.equal(
    body,
    canonicalJson({
      messages: [
        { content: 'You plan code changes.', role: 'system' },
        { content: 'Add a --verbose flag.', role: 'user' },
      ],
      model: 'qwen2.5-coder:7b',
      options: { num_ctx: 8192, num_predict: 2048, repeat_penalty: 1.1, seed: 42, temperature: 0.2, top_k: 40, top_p: 0.9 },
      shift: false,
      stream: true,
      think: false,
      truncate: false,
    }),
  );
  assert.ok(!body.includes('keep_alive'));
  assert.ok(!body.includes('"format"'));
});

test('the body is the same bytes for the same input, whatever the key order or extra fields of the input', () => {
  const a = provider().buildChatBody(chatInput());
  const shuffled = chatInput({
    params: { think: false, num_predict: 2048, num_ctx: 8192, repeat_penalty: 1.1, top_p: 0.9, top_k: 40, seed: 42, temperature: 0.2 },
    messages: chatInput().messages.map((m) => ({ content: m.content, role: m.role, note: 'ignored' }) as never),
  });
  assert.equal(provider().buildChatBody(shuffled), a);
  assert.notEqual(provider().buildChatBody(chatInput({ params: { ...PARAMS, seed: 43 } })), a);
});

test('format is sent as given, with its keys sorted like the rest', () => {
  const body = JSON.parse(provider().buildChatBody(chatInput({ format: { type: 'object', required: ['steps'], properties: { steps: { type: 'array' } } } }))) as Record<string, unknown>;
  assert.deepEqual(body['format'], { properties: { steps: { type: 'array' } }, required: ['steps'], type: 'object' });
});

test('sendChat posts the body byte for byte to /api/chat and assembles the streamed reply', async () => {
  fake.enqueueReply({ content: 'Step 1: parse the flag. Step 2: print more.' });
  const p = provider();
  const body = p.buildChatBody(chatInput());
  const result = await p.sendChat(body, { timeoutMs: 5000 });
  assert.equal(fake.requests.length, 1);
  assert.equal(fake.requests[0]!.method, 'POST');
  assert.equal(fake.requests[0]!.path, '/api/chat');
  assert.equal(fake.requests[0]!.body, body);
  assert.equal(result.content, 'Step 1: parse the flag. Step 2: print more.');
  assert.equal(result.thinking, '');
  assert.equal(result.done_reason, 'stop');
  const lines = result.raw_stream.trimEnd().split('\n');
  assert.ok(lines.length > 5, 'the reply arrived in many chunks');
  const last = JSON.parse(lines.at(-1)!) as Record<string, number>;
  assert.equal(result.stats.completion_tokens, last['eval_count']);
  assert.equal(result.stats.completion_tokens, lines.length - 1);
  assert.equal(result.stats.prompt_tokens, last['prompt_eval_count']);
  assert.equal(result.stats.total_duration_ns, last['total_duration']);
  assert.ok((result.stats.total_duration_ns ?? 0) > 0);
});

test('raw_stream is the response body exactly as sent, multi-byte characters included', async () => {
  fake.enqueueReply({ content: 'Grüße, 世界 — done 🎉', chunks: 7 });
  const result = await provider().sendChat(provider().buildChatBody(chatInput()), { timeoutMs: 5000 });
  assert.equal(result.content, 'Grüße, 世界 — done 🎉');
  const contents = result.raw_stream
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { message: { content: string } })
    .map((o) => o.message.content);
  assert.equal(contents.join(''), result.content);
  assert.equal(contents.length, 8); // 7 chunks + the done line
});

test('lines split across network reads are reassembled', async () => {
  const fragmenting = await startFakeOllama({ fragmentLines: true, chunkDelayMs: 2 });
  try {
    fragmenting.enqueueReply({ content: '{"steps": ["a", "b"]}', chunks: 5 });
    const p = createProvider('ollama', fragmenting.url);
    const result = await p.sendChat(p.buildChatBody(chatInput()), { timeoutMs: 5000 });
    assert.equal(result.content, '{"steps": ["a", "b"]}');
    assert.equal(result.stats.completion_tokens, 5);
  } finally {
    await fragmenting.close();
  }
});

test('thinking is kept apart from the answer', async () => {
  fake.enqueueReply({ thinking: 'The user wants a flag. Keep it small.', content: 'Add --verbose.' });
  const p = provider();
  const result = await p.sendChat(p.buildChatBody(chatInput({ model: 'qwen3:8b', params: { ...PARAMS, think: true } })), { timeoutMs: 5000 });
  assert.equal(result.thinking, 'The user wants a flag. Keep it small.');
  assert.equal(result.content, 'Add --verbose.');
  assert.match(fake.requests[0]!.body, /"think": true/);
});

test('progress is reported as chunks arrive, counting up to the token count', async () => {
  fake.enqueueReply({ content: 'one two three four five', chunks: 5 });
  const seen: ChatProgress[] = [];
  const p = provider();
  await p.sendChat(p.buildChatBody(chatInput()), { timeoutMs: 5000, onProgress: (x) => seen.push(x) });
  assert.ok(seen.length >= 1);
  assert.equal(seen.at(-1)!.tokens, 5);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.tokens > seen[i - 1]!.tokens);
  assert.ok(seen.every((x) => x.elapsedMs >= 0));
});

test('a reply stopped by num_predict comes back with done_reason "length", not as an error', async () => {
  fake.enqueueReply({ content: 'a b c d e f g h', chunks: 8 });
  const p = provider();
  const result = await p.sendChat(p.buildChatBody(chatInput({ params: { ...PARAMS, num_predict: 3 } })), { timeoutMs: 5000 });
  assert.equal(result.done_reason, 'length');
  assert.equal(result.stats.completion_tokens, 3);
  assert.equal(result.content, 'a b c');
});
