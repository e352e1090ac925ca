/**
 * Loaded into the CLI with NODE_OPTIONS=--import=<this file>: appends every outbound connection
 * (and every DNS lookup) the process attempts to $SOCKET_LOG, one line each, so a test can assert
 * the tool connects to nothing but the run's base URL.
 */
import { appendFileSync } from 'node:fs';
import dns from 'node:dns';
import net from 'node:net';

const log = process.env['SOCKET_LOG'];
if (log) {
  const record = (line: string): void => appendFileSync(log, line + '\n');
  const original = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: any[]) {
    const first = args[0];
    if (Array.isArray(first)) {
      // the internal normalized form: [options, callback]
      const options = first[0] ?? {};
      record(options.path ? `ipc ${options.path}` : `tcp ${options.host ?? 'localhost'}:${options.port}`);
    } else if (typeof first === 'object' && first !== null) {
      record(first.path ? `ipc ${first.path}` : `tcp ${first.host ?? 'localhost'}:${first.port}`);
    } else if (typeof first === 'string' && Number.isNaN(Number(first))) {
      record(`ipc ${first}`);
    } else {
      record(`tcp ${typeof args[1] === 'string' ? args[1] : 'localhost'}:${first}`);
    }
    return (original as any).apply(this, args);
  } as any;
  const lookup = dns.lookup;
  (dns as any).lookup = function (hostname: string, ...rest: unknown[]) {
    record(`dns ${hostname}`);
    return (lookup as any).call(dns, hostname, ...rest);
  };
}
