/**
 * A baseline for `bench:scale`, not part of the tool: the part of `verify`'s work that no
 * implementation can skip, with nothing proved. It reads every file of the run and hashes it, and
 * reads the audit log's lines, each parsed and its `prev` checked against the hash of the line
 * before it (the chain). Everything else `verify` does — the recorded hashes against the files,
 * approvals, the engine re-run on every attempt, the states built from the base, git's pass over
 * the approved patches, the CLI's start — comes on top.
 *
 *   node build-test/scripts/floor-verify.js RUN_DIR
 *
 * Exit 0 with the counts on stderr; 1 when the chain is broken (so a bench cannot time a run this
 * does not read through).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const run = process.argv[2];
if (run === undefined) {
  process.stderr.write('usage: floor-verify RUN_DIR\n');
  process.exit(2);
}

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

let files = 0;
const walk = (dir: string): void => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(file);
    else if (entry.isFile()) {
      sha256(readFileSync(file));
      files++;
    }
  }
};
walk(run);

const log = readFileSync(path.join(run, 'audit.log'), 'utf8');
let prev = '0'.repeat(64);
let lines = 0;
for (let at = 0; at < log.length; ) {
  let end = log.indexOf('\n', at);
  if (end < 0) end = log.length;
  // The hash of a line's bytes without its newline, as the log chains them.
  const line = log.slice(at, end);
  const entry = JSON.parse(line) as { prev?: unknown };
  if (entry.prev !== prev) {
    process.stderr.write(`floor-verify: audit line ${lines + 1} does not chain to the line before it\n`);
    process.exit(1);
  }
  prev = sha256(line);
  lines++;
  at = end + 1;
}
process.stderr.write(`ok: ${files} file(s) read and hashed, ${lines} audit line(s) chained\n`);
