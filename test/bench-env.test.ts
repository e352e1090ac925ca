/**
 * The benches' children run without NODE_EXTRA_CA_CERTS (scripts/bench-env.ts): Node 20 reads that
 * file at every start, which would add the same tens of milliseconds to the tool and to the bare
 * Node every ratio is taken against. A child started after the bench imports the module must not
 * see it, and the bench must be able to say it was taken out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_ENV = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../scripts/bench-env.js');

function childSees(env: NodeJS.ProcessEnv): { note: string; child: string } {
  const script = `
    const { benchEnvNote } = await import(${JSON.stringify(BENCH_ENV)});
    const { spawnSync } = await import('node:child_process');
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.env.NODE_EXTRA_CA_CERTS))'], { encoding: 'utf8' }).stdout;
    process.stdout.write(JSON.stringify({ note: benchEnvNote, child }));
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as { note: string; child: string };
}

test('a bench started with NODE_EXTRA_CA_CERTS set starts its children without it, and says so', () => {
  // A file that does not exist: Node 20 would warn about it at start, which is all it does then.
  const seen = childSees({ ...process.env, NODE_EXTRA_CA_CERTS: '/nonexistent/bench-env-test.pem' });
  assert.equal(seen.child, 'undefined');
  assert.match(seen.note, /without NODE_EXTRA_CA_CERTS/);
});

test('a bench started without it prints no such line', () => {
  const env = { ...process.env };
  delete env['NODE_EXTRA_CA_CERTS'];
  const seen = childSees(env);
  assert.equal(seen.child, 'undefined');
  assert.equal(seen.note, '');
});
