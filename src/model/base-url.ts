import { isIP } from 'node:net';
import { UsageError } from '../errors.js';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:11434';
const DEFAULT_PORT = '11434';

/**
 * Where the model server is: the --base-url flag, else OLLAMA_HOST, else http://127.0.0.1:11434.
 *
 * Both are read with Ollama's own OLLAMA_HOST rules (envconfig.Host), so a value that works for
 * the `ollama` CLI works here too:
 *   host → http://host:11434      host:port → http://host:port      :port → http://127.0.0.1:port
 *   http://host → port 80, https://host → port 443 (a scheme given means a real URL; Ollama does the same)
 *   a path is kept (reverse proxies), surrounding quotes and spaces are ignored.
 * Unlike Ollama, which logs a warning and falls back, a bad value is a UsageError: a run recorded
 * against a server other than the one asked for would be worse than stopping.
 * Bind-all addresses (0.0.0.0, ::) are what a server listens on, not where a client can connect,
 * so they become 127.0.0.1 / ::1 (Ollama's ConnectableHost).
 * The result never ends with '/', so callers append '/api/chat' etc.
 */
export function resolveBaseUrl(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag !== undefined) return normalize(flag, '--base-url');
  const fromEnv = env['OLLAMA_HOST'];
  if (fromEnv !== undefined && unquote(fromEnv) !== '') return normalize(fromEnv, 'OLLAMA_HOST');
  return DEFAULT_BASE_URL;
}

function unquote(raw: string): string {
  return raw.trim().replace(/^["']+|["']+$/g, '').trim();
}

function normalize(raw: string, source: string): string {
  const fail = (why: string): never => {
    throw new UsageError(
      `${source} '${raw}' is not a usable server address (${why}): give host, host:port, :port or a URL like ${DEFAULT_BASE_URL}`,
    );
  };
  const text = unquote(raw);
  if (text === '') fail('it is empty');
  if (/\s/.test(text)) fail('it contains spaces');

  let scheme = 'http';
  let rest = text;
  let defaultPort: string | null = DEFAULT_PORT;
  const sep = text.indexOf('://');
  if (sep >= 0) {
    scheme = text.slice(0, sep).toLowerCase();
    rest = text.slice(sep + 3);
    if (scheme !== 'http' && scheme !== 'https') fail(`scheme '${scheme}' is not http or https`);
    defaultPort = null; // the scheme's own port, as in any URL
  }
  if (/[?#]/.test(rest)) fail('a query or fragment is not allowed');

  const slash = rest.indexOf('/');
  const hostport = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = (slash >= 0 ? rest.slice(slash) : '').replace(/\/+$/, '');
  // Credentials would end up in every recorded file, and fetch refuses them anyway.
  if (hostport.includes('@')) fail('credentials in the address are not supported');

  let { host, port } = splitHostPort(hostport) ?? fail('the host part cannot be read');
  if (host === '') host = '127.0.0.1';
  if (host === '0.0.0.0') host = '127.0.0.1';
  if (host === '::' || host === '0:0:0:0:0:0:0:0') host = '::1';
  if (port === null) port = defaultPort;
  if (port !== null) {
    if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) fail(`port '${port}' is not 1-65535`);
    port = String(Number(port));
  }

  const hostText = isIP(host) === 6 ? `[${host}]` : host;
  const candidate = `${scheme}://${hostText}${port === null ? '' : ':' + port}${path}`;
  let parsed: URL;
  try {
    parsed = new URL(candidate);
  } catch {
    return fail('it is not a valid URL');
  }
  // URL drops default ports (http://h:80 → http://h); keep its normal form so equal addresses compare equal.
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname.replace(/\/+$/, '')}`;
}

/** Go's net.SplitHostPort, loosened the way Ollama does: a missing port is allowed (null). */
function splitHostPort(hostport: string): { host: string; port: string | null } | null {
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) return null;
    const host = hostport.slice(1, close);
    const after = hostport.slice(close + 1);
    if (isIP(host) !== 6) return null;
    if (after === '') return { host, port: null };
    if (!after.startsWith(':')) return null;
    return { host, port: after.slice(1) };
  }
  if (isIP(hostport) === 6) return { host: hostport, port: null }; // bare IPv6, no port
  const colons = hostport.split(':').length - 1;
  if (colons === 0) return { host: hostport, port: null };
  if (colons > 1) return null;
  const at = hostport.indexOf(':');
  return { host: hostport.slice(0, at), port: hostport.slice(at + 1) };
}

/**
 * 127.0.0.0/8, ::1 (and its IPv4-mapped form) and the name localhost: this machine. Other names
 * under .localhost are not: the system resolves them like any name (connect-target.ts pins
 * localhost itself to the loopback addresses it resolves to).
 */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return host === 'localhost' || isLoopbackAddress(host);
}

/** 127.0.0.0/8 and ::1 (also written IPv4-mapped, or in brackets): an address on this machine. */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const lower = bare.toLowerCase();
  if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
  const mapped = /^::ffff:(.+)$/.exec(lower);
  const v4 = mapped ? mapped[1]! : lower;
  if (isIP(v4) === 4) return v4.split('.')[0] === '127';
  // ::ffff:7f00:1 is how URL writes ::ffff:127.0.0.1
  return /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(lower);
}

/**
 * Offline first: a model server on another machine is refused unless the person said so at init
 * (`--allow-remote`, recorded in the manifest as allow_remote).
 */
export function requireAllowedBaseUrl(url: string, allowRemote: boolean, how: string): void {
  if (allowRemote || isLoopbackUrl(url)) return;
  throw new UsageError(`${url} is not on this machine (loopback): the tool only talks to a local model server unless ${how}`);
}
