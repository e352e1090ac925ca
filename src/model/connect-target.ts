import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { isLoopbackAddress } from './base-url.js';
import { ModelRequestError } from './model-request-error.js';

export type LookupAll = (host: string) => Promise<Array<{ address: string; family: number }>>;

const systemLookup: LookupAll = (host) => dns.lookup(host, { all: true, verbatim: true });

/**
 * The URLs to connect to for `url`, in the order to try them.
 *
 * `localhost` is the one name trusted without `--allow-remote`, yet the system resolves it
 * (/etc/hosts, DNS), so a changed hosts file could send a run's prompts elsewhere. It is resolved
 * here, every address must be loopback, and the connection goes to those addresses literally, so
 * the address checked is the address connected to. IPv4 first: Ollama listens on 127.0.0.1 by
 * default, while the system may list ::1 first. Any other host is left to the system: a literal
 * address needs no lookup, and a name other than localhost is only accepted with --allow-remote.
 */
export async function connectTargets(url: string, baseUrl: string, lookup: LookupAll = systemLookup): Promise<string[]> {
  const parsed = new URL(url);
  if (parsed.hostname.toLowerCase() !== 'localhost') return [url];
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = await lookup('localhost');
  } catch (cause) {
    throw new ModelRequestError(`cannot reach the model server at ${baseUrl}: the name localhost does not resolve on this machine: pass --base-url http://127.0.0.1:${parsed.port || '80'}`, { url, reason: 'unreachable', cause });
  }
  const foreign = addresses.find((item) => !isLoopbackAddress(item.address));
  if (foreign || addresses.length === 0) {
    const what = foreign ? `to ${foreign.address}, which is not this machine` : 'to no address';
    throw new ModelRequestError(`refusing the model server at ${baseUrl}: localhost resolves ${what} (check /etc/hosts): pass --base-url http://127.0.0.1:${parsed.port || '80'}`, { url, reason: 'unreachable' });
  }
  const ordered = [...addresses.filter((item) => item.family === 4), ...addresses.filter((item) => item.family !== 4)];
  return [...new Set(ordered.map((item) => item.address))].map((address) => {
    const target = new URL(url);
    target.hostname = isIP(address) === 6 ? `[${address}]` : address;
    return target.toString();
  });
}

/** Connection refused or the address family missing: worth trying the next loopback address. */
export function refusedBeforeConnecting(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT' || code === 'ENETUNREACH') return true;
  }
  return false;
}
