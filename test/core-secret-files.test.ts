import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secretReason } from '../src/core/secret-files.js';
import { isLoopbackUrl, requireAllowedBaseUrl } from '../src/model/base-url.js';
import { UsageError } from '../src/errors.js';

test('likely secrets are recognised by name and by content', () => {
  const none = Buffer.from('export const x = 1;\n');
  for (const name of ['.env', '.env.local', 'config/.env.production', 'certs/server.pem', 'keys/api.key', 'home/id_rsa', 'id_ed25519.pub', '.npmrc']) {
    assert.notEqual(secretReason(name, none), null, name);
  }
  assert.equal(secretReason('src/app.ts', none), null);
  assert.equal(secretReason('docs/environment.md', none), null);
  assert.match(secretReason('notes.txt', Buffer.from('-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n')) ?? '', /private key/);
  assert.match(secretReason('cfg.ts', Buffer.from('const k = "AKIAABCDEFGHIJKLMNOP";')) ?? '', /AWS/);
  assert.match(secretReason('cfg.ts', Buffer.from(`token: ghp_${'a'.repeat(36)}`)) ?? '', /GitHub/);
});

test('only loopback base URLs pass without allow_remote', () => {
  for (const url of ['http://127.0.0.1:11434', 'http://127.1.2.3:8080', 'http://localhost:11434', 'http://[::1]:11434', 'http://[::ffff:127.0.0.1]:1']) {
    assert.equal(isLoopbackUrl(url), true, url);
    requireAllowedBaseUrl(url, false, 'x');
  }
  for (const url of ['http://10.0.0.5:11434', 'https://api.example.com', 'http://192.168.1.2', 'http://[2001:db8::1]:11434', 'http://localhost.evil.com', 'http://127.0.0.1.nip.io', 'http://evil.localhost:11434']) {
    assert.equal(isLoopbackUrl(url), false, url);
    assert.throws(() => requireAllowedBaseUrl(url, false, 'x'), UsageError);
    requireAllowedBaseUrl(url, true, 'x');
  }
});
