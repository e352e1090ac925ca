import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkContextFits, estimatePromptTokens } from '../src/model/estimate-tokens.js';
import { OrchestratorError } from '../src/errors.js';
import type { ChatMessage } from '../src/model/types.js';

const user = (content: string): ChatMessage => ({ role: 'user', content });

test('counts UTF-8 bytes / 3 per message plus fixed overheads', () => {
  assert.equal(estimatePromptTokens([]), 16);
  assert.equal(estimatePromptTokens([user('abc')]), 16 + 8 + 1);
  assert.equal(estimatePromptTokens([user('abcd')]), 16 + 8 + 2); // rounds up
  assert.equal(estimatePromptTokens([user('é')]), 16 + 8 + 1); // 2 bytes
  assert.equal(estimatePromptTokens([user('文字文字')]), 16 + 8 + 4); // 12 bytes: about a token per CJK character
  assert.equal(estimatePromptTokens([user('a'), { role: 'system', content: 'b' }]), 16 + 2 * (8 + 1));
});

test('overestimates ordinary code, which is the safe side', () => {
  // Real BPE tokenizers give roughly one token per 3.5-4.5 bytes of source code.
  const code = 'export function add(a: number, b: number): number {\n  return a + b;\n}\n'.repeat(50);
  const estimate = estimatePromptTokens([user(code)]);
  assert.ok(estimate > Buffer.byteLength(code) / 3.5, `estimate ${estimate} should exceed bytes/3.5`);
});

test('checkContextFits passes when prompt plus num_predict fit exactly', () => {
  const messages = [user('x'.repeat(300))]; // 16 + 8 + 100 = 124
  assert.doesNotThrow(() => checkContextFits(messages, { num_ctx: 1124, num_predict: 1000 }));
});

test('checkContextFits names the numbers and what to change when it does not fit', () => {
  const messages = [user('x'.repeat(300))];
  assert.throws(
    () => checkContextFits(messages, { num_ctx: 1123, num_predict: 1000 }),
    (err: unknown) => {
      assert.ok(err instanceof OrchestratorError);
      assert.equal(
        err.message,
        'the prompt is about 124 tokens, 1 over num_ctx 1123 with num_predict 1000 kept for the reply: shorten the spec/context or raise num_ctx in the pack manifest',
      );
      return true;
    },
  );
});

test('num_predict -1 or -2 reserves nothing, so only the prompt itself is checked', () => {
  const messages = [user('x'.repeat(300))];
  assert.doesNotThrow(() => checkContextFits(messages, { num_ctx: 124, num_predict: -1 }));
  assert.throws(() => checkContextFits(messages, { num_ctx: 123, num_predict: -2 }), /prompt is about 124 tokens, 1 over num_ctx 123: /);
});

test('the caller words the advice, knowing how far over it is and a num_ctx that fits', () => {
  const messages = [user('x'.repeat(300))];
  assert.throws(
    () => checkContextFits(messages, { num_ctx: 1000, num_predict: 1000 }, (o) => `over ${o.over}, try ${o.suggestedNumCtx}`),
    (err: unknown) => err instanceof OrchestratorError && err.message.endsWith(': over 124, try 2048'),
  );
});
