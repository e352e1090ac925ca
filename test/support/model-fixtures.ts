import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ModelRequestError, type ModelFailureReason } from '../../src/model/model-request-error.js';
import type { ChatInput, GenerationParams } from '../../src/model/types.js';

export const PARAMS: GenerationParams = {
  temperature: 0.2,
  seed: 42,
  top_k: 40,
  top_p: 0.9,
  repeat_penalty: 1.1,
  num_ctx: 8192,
  num_predict: 2048,
  think: false,
};

export function chatInput(overrides: Partial<ChatInput> = {}): ChatInput {
  return {
    model: 'qwen2.5-coder:7b',
    messages: [
      { role: 'system', content: 'You plan code changes.' },
      { role: 'user', content: 'Add a --verbose flag.' },
    ],
    params: PARAMS,
    ...overrides,
  };
}

/** Awaits a rejection and checks it is a ModelRequestError of the given reason; returns it for more checks. */
export async function rejectsWith(promise: Promise<unknown>, reason: ModelFailureReason, message?: RegExp): Promise<ModelRequestError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ModelRequestError, `expected a ModelRequestError, got ${String(caught)}`);
  assert.equal(caught.reason, reason, caught.message);
  if (message) assert.match(caught.message, message);
  assert.ok(!caught.message.includes('\n'), 'error messages are one line');
  return caught;
}

/** A one-off server on 127.0.0.1 answering every request with `answer(path)`: a body and its headers. */
export async function answering(answer: (path: string) => { body: string; headers?: Record<string, string> }): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    const { body, headers } = answer(req.url ?? '/');
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A URL on a port that was just free and is now closed, so connecting is refused. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
