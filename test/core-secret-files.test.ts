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

/** Token-shaped strings are assembled at run time so this file is not itself flagged by scanners. */
const join = (...parts: string[]): string => parts.join('');

test('secret files by name: env, credentials and key stores of common tools', () => {
  const none = Buffer.from('export const x = 1;\n');
  for (const name of ['.envrc', 'deploy/.envrc', '.pgpass', '.netrc', '_netrc', 'home/.netrc', 'secrets.yaml', 'k8s/secrets.yml', 'config/secrets.json', '.docker/config.json', 'ci/.docker/config.json', 'prod.tfvars', 'infra/terraform.tfvars.json', 'terraform.tfstate', '.kube/config', 'AuthKey_ABC.p8']) {
    assert.notEqual(secretReason(name, none), null, name);
  }
  // Near-misses: names that only resemble them.
  for (const name of ['src/envrc.ts', 'docs/pgpass.md', 'src/secrets.ts', 'config.json', 'docker/config.json', 'variables.tf', 'src/network.ts', 'docs/tfvars.md', '.env.d/readme.md', 'src/keys.ts', 'kube/config.go']) {
    assert.equal(secretReason(name, none), null, name);
  }
});

test('secret content: token shapes, AWS secrets and private keys in every common encoding, and not ordinary code', () => {
  const cases: Array<[string, RegExp]> = [
    [`const id = "${join('AS', 'IA', 'QWERTYUIOPASDFGH')}";`, /AWS access key id/],
    [`aws_secret_access_key = ${join('wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYEXAMPLEKEY')}`, /AWS secret access key/],
    [`export AWS_SECRET_ACCESS_KEY="${join('wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYEXAMPLEKEY')}"`, /AWS secret access key/],
    [`{ "secretAccessKey": "${join('wJalrXUtnFEMI/K7MDENG+', 'bPxRfiCYEXAMPLEKEY')}" }`, /AWS secret access key/],
    [`token = "${join('github', '_pat_', '11ABCDEFG0123456789abc_', 'defghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab')}"`, /GitHub fine-grained/],
    [`GITLAB_TOKEN=${join('gl', 'pat-', 'xXxXxXxXxXxXxXxXxXxX')}`, /GitLab/],
    [`stripe(${JSON.stringify(join('sk', '_live_', '51HqLyjWDarjtT1zdp7dc'))})`, /Stripe/],
    [`//registry.npmjs.org/:_authToken=${join('npm', '_', 'a'.repeat(20), 'B'.repeat(16))}`, /npm access token/],
    ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n', /private key/],
    ['-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0w\n', /private key/],
    ['-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI\n', /private key/],
    ['-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF\n', /private key/],
    ['---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: "rsa-key"\n', /SSH2/],
    ['PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n', /PuTTY/],
    ['<RSAKeyValue><Modulus>xyz</Modulus><Exponent>AQAB</Exponent><P>a</P><D>b</D></RSAKeyValue>', /XML/],
    [`tls.key: ${Buffer.from('-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n').toString('base64')}`, /base64-encoded/],
  ];
  for (const [text, reason] of cases) assert.match(secretReason('src/config.ts', Buffer.from(text)) ?? '', reason, text);
  // A UTF-16 file (with its byte order mark) is read as text too.
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('-----BEGIN RSA PRIVATE KEY-----\n', 'utf16le')]);
  assert.match(secretReason('notes.txt', utf16) ?? '', /private key/);

  // Near-misses: ordinary code that names the same things.
  const code = [
    "import { S3Client } from '@aws-sdk/client-s3';",
    'const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;',
    "const aws_secret_access_key = config.get('aws.secretAccessKey');",
    'const checksum = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";',
    'const github_pat_expiry_days = 30;',
    "const npm_config_registry = 'https://registry.npmjs.org';",
    'const ASIA_PACIFIC_REGIONS = ["ap-south-1"];',
    "const task_live_status = 'running';",
    'const base64 = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=";',
    '// -----BEGIN CERTIFICATE----- and -----BEGIN PUBLIC KEY----- are not secrets',
    'export function desk_live_view() {}',
  ].join('\n');
  assert.equal(secretReason('src/s3.ts', Buffer.from(code)), null);
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
