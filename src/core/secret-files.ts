/**
 * Files that likely hold secrets, which `add-context` refuses unless `--allow-secret`: the executor's
 * prompt goes to a model server and into the run's records, which are meant to be shared.
 * Judged by name, then by content (private keys and well-known token shapes).
 */
const NAME_PATTERNS: Array<[RegExp, string]> = [
  [/^\.env(\..*)?$/i, 'an environment file (.env*)'],
  [/\.(pem|key|p12|pfx|jks|keystore|asc|gpg|ppk)$/i, 'a key or certificate file'],
  [/^id_[a-z0-9_]+(\.pub)?$/i, 'an SSH key (id_*)'],
  [/^\.?(netrc|npmrc|pypirc|htpasswd|git-credentials)$/i, 'a credentials file'],
  [/^credentials(\.json)?$/i, 'a credentials file'],
];

const CONTENT_PATTERNS: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----/, 'a private key'],
  [/\bAKIA[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, 'a GitHub token'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\bsk-[A-Za-z0-9_-]{20,}/, 'an API secret key (sk-…)'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, 'a Google API key'],
];

/** Why `path` (repository-relative, '/') with `content` looks like a secret, or null. */
export function secretReason(path: string, content: Buffer): string | null {
  const name = path.split('/').at(-1) ?? path;
  for (const [pattern, what] of NAME_PATTERNS) if (pattern.test(name)) return `its name says it is ${what}`;
  const text = content.subarray(0, 1024 * 1024).toString('latin1');
  for (const [pattern, what] of CONTENT_PATTERNS) if (pattern.test(text)) return `it contains what looks like ${what}`;
  return null;
}
