import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveBaseUrl } from '../src/model/base-url.js';
import { UsageError } from '../src/errors.js';

const fromEnv = (value: string) => resolveBaseUrl(undefined, { OLLAMA_HOST: value });

test('defaults to 127.0.0.1:11434 when neither flag nor OLLAMA_HOST is set', () => {
  assert.equal(resolveBaseUrl(undefined, {}), 'http://127.0.0.1:11434');
  assert.equal(fromEnv(''), 'http://127.0.0.1:11434');
  assert.equal(fromEnv('  '), 'http://127.0.0.1:11434');
});

test('the flag wins over OLLAMA_HOST', () => {
  assert.equal(resolveBaseUrl('http://gpu-box:11434', { OLLAMA_HOST: 'other:1' }), 'http://gpu-box:11434');
});

test('OLLAMA_HOST follows Ollama: host, host:port, :port, with the default port 11434', () => {
  const cases: Array<[string, string]> = [
    ['gpu-box', 'http://gpu-box:11434'],
    ['gpu-box:8080', 'http://gpu-box:8080'],
    [':11435', 'http://127.0.0.1:11435'],
    ['10.0.0.5', 'http://10.0.0.5:11434'],
    ['"gpu-box:9000"', 'http://gpu-box:9000'], // quotes as some shells and .env files leave them
    [' gpu-box ', 'http://gpu-box:11434'],
  ];
  for (const [input, expected] of cases) assert.equal(fromEnv(input), expected, input);
});

test('a full URL keeps its scheme, its own default port and its path, without a trailing slash', () => {
  const cases: Array<[string, string]> = [
    ['http://gpu-box:11434/', 'http://gpu-box:11434'],
    ['https://ollama.example.com', 'https://ollama.example.com'], // port 443, as Ollama reads it
    ['http://gpu-box', 'http://gpu-box'], // port 80, as Ollama reads it
    ['HTTP://gpu-box:80', 'http://gpu-box'],
    ['https://proxy.example.com/ollama/', 'https://proxy.example.com/ollama'],
  ];
  for (const [input, expected] of cases) assert.equal(fromEnv(input), expected, input);
});

test('bind-all addresses become loopback, because a client cannot connect to 0.0.0.0', () => {
  assert.equal(fromEnv('0.0.0.0'), 'http://127.0.0.1:11434');
  assert.equal(fromEnv('0.0.0.0:8000'), 'http://127.0.0.1:8000');
  assert.equal(fromEnv('http://0.0.0.0:11434'), 'http://127.0.0.1:11434');
  assert.equal(fromEnv('[::]:11434'), 'http://[::1]:11434');
});

test('IPv6 with and without brackets', () => {
  assert.equal(fromEnv('[::1]:9000'), 'http://[::1]:9000');
  assert.equal(fromEnv('::1'), 'http://[::1]:11434');
  assert.equal(fromEnv('http://[fe80::1]:8080'), 'http://[fe80::1]:8080');
});

test('invalid values are a UsageError that names the source and the value', () => {
  const bad = ['gpu-box:99999', 'gpu-box:0', 'gpu-box:abc', 'gpu-box:', 'ftp://gpu-box', 'http://user:pw@gpu-box', 'gpu box', 'a:b:c', 'http://h:1/?x=1'];
  for (const value of bad) {
    assert.throws(() => fromEnv(value), (err: unknown) => {
      assert.ok(err instanceof UsageError, value);
      assert.match(err.message, /^OLLAMA_HOST '/);
      assert.ok(err.message.includes(value.trim()), err.message);
      assert.equal(err.exitCode, 2);
      return true;
    });
  }
  assert.throws(() => resolveBaseUrl('', {}), /^UsageError: --base-url '' is not a usable server address \(it is empty\)/);
});
