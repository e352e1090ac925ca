/**
 * Files that likely hold secrets, which `add-context` refuses unless `--allow-secret` and which are
 * left out of the executor's context when an approved patch touched them: the executor's prompt
 * goes to a model server and into the run's records, which are meant to be shared.
 * Judged by name, then by content (private keys and well-known token shapes).
 *
 * A hand-kept list rather than a rule package: secretlint's recommended preset, the obvious
 * candidate, needs Node 22 (this tool supports 20.17) and is driven by an asynchronous linter core.
 * The rules are tested with true positives and with ordinary code that must pass (test/core-secret-files.test.ts).
 * It catches the common shapes; it is no proof that a file holds no secret.
 */

/** Matched against the repository-relative path ('/'-separated), so a rule may name a folder. */
const PATH_PATTERNS: Array<[RegExp, string]> = [
  [/(?:^|\/)\.env(?:\.[^/]*)?$/i, 'an environment file (.env*)'],
  [/(?:^|\/)\.envrc$/i, 'an environment file (.envrc)'],
  [/\.(?:pem|key|p8|p12|pfx|jks|keystore|asc|gpg|ppk|kdbx)$/i, 'a key or certificate file'],
  [/(?:^|\/)id_[a-z0-9_]+(?:\.pub)?$/i, 'an SSH key (id_*)'],
  [/(?:^|\/)[._]?(?:netrc|npmrc|pypirc|pgpass|htpasswd|git-credentials)$/i, 'a credentials file'],
  [/(?:^|\/)credentials(?:\.json)?$/i, 'a credentials file'],
  [/(?:^|\/)\.docker\/config\.json$/i, "Docker's credentials file (.docker/config.json)"],
  [/(?:^|\/)\.kube\/config$/i, "kubectl's credentials file (.kube/config)"],
  [/(?:^|\/)secrets?\.(?:ya?ml|json|toml)$/i, 'a secrets file (secrets.yaml, …)'],
  [/\.tfvars(?:\.json)?$/i, 'Terraform variables (*.tfvars)'],
  [/\.tfstate(?:\.backup)?$/i, 'Terraform state (*.tfstate)'],
];

const CONTENT_PATTERNS: Array<[RegExp, string]> = [
  // PEM in every flavour: PKCS#1 (RSA/EC/DSA), PKCS#8 plain and ENCRYPTED, OPENSSH, PGP's block.
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/, 'a private key'],
  // RFC 4716 / ssh.com (SSH2) keys, with four dashes and spaces.
  [/---- BEGIN SSH2 (?:ENCRYPTED )?PRIVATE KEY ----/, 'a private key (SSH2)'],
  [/^PuTTY-User-Key-File-\d+: /m, 'a private key (PuTTY)'],
  [/<RSAKeyValue>[\s\S]{0,8192}?<D>/, 'a private key (XML RSAKeyValue)'],
  [/\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b/, 'an AWS access key id'],
  // A secret access key is 40 base64 characters with nothing to recognise it by but its name.
  [/(?:aws[_.-]?secret[_.-]?(?:access[_.-]?)?key|secret[_.-]?access[_.-]?key)["']?\s*(?::|=>?)\s*["']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/i, 'an AWS secret access key'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, 'a GitHub token'],
  [/\bgithub_pat_[A-Za-z0-9_]{50,}/, 'a GitHub fine-grained token'],
  [/\bgl(?:pat|dt|rt|ptt|cbt|soat)-[A-Za-z0-9_-]{20,}/, 'a GitLab token'],
  [/\b[rs]k_(?:live|test)_[A-Za-z0-9]{20,}/, 'a Stripe secret key'],
  [/\bnpm_[A-Za-z0-9]{36}\b/, 'an npm access token'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{20,}/, 'a Slack webhook URL'],
  [/\bsk-[A-Za-z0-9_-]{20,}/, 'an API secret key (sk-…)'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, 'a Google API key'],
];

/** "-----BEGIN" in base64, as a PEM file encoded whole starts. */
const BASE64_PEM = /LS0tLS1CRUdJTi[A-Za-z0-9+/]{20,}/g;

/** Why `path` (repository-relative, '/') with `content` looks like a secret, or null. */
export function secretReason(path: string, content: Buffer): string | null {
  for (const [pattern, what] of PATH_PATTERNS) if (pattern.test(path)) return `its name says it is ${what}`;
  const text = readable(content.subarray(0, 1024 * 1024));
  for (const [pattern, what] of CONTENT_PATTERNS) if (pattern.test(text)) return `it contains what looks like ${what}`;
  // A key stored base64-encoded (a Kubernetes Secret, a CI variable) hides its PEM header.
  for (const match of text.matchAll(BASE64_PEM)) {
    const decoded = Buffer.from(match[0].slice(0, 128), 'base64').toString('latin1');
    if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY/.test(decoded)) return 'it contains what looks like a private key (base64-encoded)';
  }
  return null;
}

/** The text the patterns read: UTF-16 files (by their byte order mark) decoded, anything else byte for byte. */
function readable(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.subarray(2, bytes.length - (bytes.length % 2))).swap16().toString('utf16le');
  return bytes.toString('latin1');
}
