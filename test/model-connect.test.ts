import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeOllama, type FakeOllama } from './support/fake-ollama.js';
import { chatInput, rejectsWith } from './support/model-fixtures.js';
import { MODEL, workspace } from './support/workflow-fixture.js';
import { createProvider } from '../src/model/create-provider.js';
import { connectTargets } from '../src/model/connect-target.js';
import { isLoopbackUrl } from '../src/model/base-url.js';

/** A server that only counts who connects to it: where a followed redirect would have gone. */
async function listener(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = createServer((_req, res) => res.end('{}'));
  server.on('connection', () => count++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => count, close: () => closeServer(server) };
}

async function redirector(location: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(307, { location: `${location}${req.url}` });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('redirects are never followed', () => {
  let target: Awaited<ReturnType<typeof listener>>;
  let redirect: Awaited<ReturnType<typeof redirector>>;
  before(async () => {
    target = await listener();
    redirect = await redirector(target.url);
  });
  after(async () => {
    await redirect.close();
    await target.close();
  });

  test('a chat call answered by a redirect fails, naming the Location, and connects nowhere else', async () => {
    const provider = createProvider('ollama', redirect.url);
    const err = await rejectsWith(
      provider.sendChat(provider.buildChatBody(chatInput()), { timeoutMs: 5000 }),
      'http-error',
      /answered \/api\/chat with a redirect \(307\) to "http:\/\/127\.0\.0\.1:\d+\/api\/chat", which is never followed: pass --base-url/,
    );
    assert.equal(err.status, 307);
    assert.equal(target.connections(), 0);
  });

  test('model listing (the openai provider too) refuses a redirect', async () => {
    await rejectsWith(createProvider('ollama', redirect.url).listModels(), 'http-error', /\/api\/tags with a redirect \(307\)/);
    await rejectsWith(createProvider('openai', redirect.url).listModels(), 'http-error', /\/v1\/models with a redirect \(307\)/);
    assert.equal(target.connections(), 0);
  });

  test('through the CLI: init against a redirecting server exits 1 with one line naming the Location', async () => {
    const ws = await workspace();
    try {
      const result = await ws.cli(['init', '--spec', 'spec.md', '--planner-model', MODEL, '--executor-model', MODEL, '--base-url', redirect.url]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`with a redirect \\(307\\) to "${target.url.replace(/\./g, '\\.')}/api/\\w+", which is never followed`));
      assert.equal(result.stderr.trim().split('\n').length, 1);
      assert.equal(target.connections(), 0);
    } finally {
      await ws.close();
    }
  });
});

describe('localhost: trusted by name only, and connected to where it was checked', () => {
  let fake: FakeOllama;
  before(async () => {
    fake = await startFakeOllama();
  });
  after(() => fake.close());

  test('names under .localhost are not loopback without --allow-remote; localhost and literal loopback are', () => {
    assert.equal(isLoopbackUrl('http://evil.localhost:11434'), false);
    assert.equal(isLoopbackUrl('http://a.b.localhost'), false);
    assert.equal(isLoopbackUrl('http://localhost:11434'), true);
    assert.equal(isLoopbackUrl('http://LOCALHOST:1'), true);
    assert.equal(isLoopbackUrl('http://127.9.9.9:1'), true);
  });

  test('init --base-url http://evil.localhost:PORT is refused without --allow-remote', async () => {
    const ws = await workspace();
    try {
      const result = await ws.cli(['init', '--spec', 'spec.md', '--planner-model', MODEL, '--executor-model', MODEL, '--base-url', 'http://evil.localhost:11434']);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /evil\.localhost:11434 is not on this machine \(loopback\)/);
    } finally {
      await ws.close();
    }
  });

  test('localhost resolving to a non-loopback address is refused before any connection', async () => {
    let asked = 0;
    const lookup = async () => {
      asked++;
      return [
        { address: '127.0.0.1', family: 4 },
        { address: '10.1.2.3', family: 4 },
      ];
    };
    await assert.rejects(connectTargets('http://localhost:11434/api/chat', 'http://localhost:11434', lookup), /localhost resolves to 10\.1\.2\.3, which is not this machine \(check \/etc\/hosts\): pass --base-url http:\/\/127\.0\.0\.1:11434/);
    await assert.rejects(connectTargets('http://localhost:11434/api/chat', 'http://localhost:11434', async () => []), /localhost resolves to no address/);
    assert.equal(asked, 1);
  });

  test('localhost is connected to at the loopback addresses it resolved to, IPv4 first; other hosts are left alone', async () => {
    const lookup = async () => [
      { address: '::1', family: 6 },
      { address: '127.0.0.1', family: 4 },
    ];
    assert.deepEqual(await connectTargets('http://localhost:8080/api/tags', 'http://localhost:8080', lookup), ['http://127.0.0.1:8080/api/tags', 'http://[::1]:8080/api/tags']);
    assert.deepEqual(await connectTargets('http://127.0.0.1:8080/api/tags', 'http://127.0.0.1:8080', lookup), ['http://127.0.0.1:8080/api/tags']);
  });

  test('a real call to http://localhost:PORT reaches the server on 127.0.0.1', async () => {
    const port = new URL(fake.url).port;
    fake.enqueueReply({ content: 'hello there' });
    const provider = createProvider('ollama', `http://localhost:${port}`);
    const result = await provider.sendChat(provider.buildChatBody(chatInput()), { timeoutMs: 5000 });
    assert.equal(result.content, 'hello there');
  });
});

describe('the reply size limit holds while the reply streams', () => {
  let fake: FakeOllama;
  before(async () => {
    fake = await startFakeOllama();
  });
  after(() => fake.close());

  test('a reply far over maxReplyBytes is stopped soon after the limit, not read to its end', async () => {
    const huge = 'word '.repeat(40_000); // 200,000 bytes in 40,000 chunks
    fake.enqueueReply({ content: huge });
    const provider = createProvider('ollama', fake.url);
    const err = await rejectsWith(provider.sendChat(provider.buildChatBody(chatInput()), { timeoutMs: 20_000, maxReplyBytes: 1000 }), 'over-limit', /the reply passed 1000 bytes/);
    const received = err.partial?.content.length ?? 0;
    assert.ok(received > 1000 && received < 5000, `stopped after ${received} characters`);
  });

  test('a reply within the limit is untouched', async () => {
    fake.enqueueReply({ content: 'short reply' });
    const provider = createProvider('ollama', fake.url);
    const result = await provider.sendChat(provider.buildChatBody(chatInput()), { timeoutMs: 5000, maxReplyBytes: 11 });
    assert.equal(result.content, 'short reply');
  });
});
