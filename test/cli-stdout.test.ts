import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const STDOUT_MODULE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli/stdout.js');
const LINES = 20_000;
const line = (i: number): string => `line ${i} ${'x'.repeat(40)}\n`;

/**
 * A writer given a non-blocking descriptor (EAGAIN once the pipe is full) must neither fail nor
 * lose or reorder output. Node hands its children blocking descriptors, so the pipe is made by
 * Python, which can set O_NONBLOCK and wait before reading.
 */
const PYTHON_PARENT = `
import os, fcntl, subprocess, sys, time
r, w = os.pipe()
fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
child = subprocess.Popen(sys.argv[1:], stdout=w)
os.close(w)
time.sleep(0.5)
data = b''
while True:
    chunk = os.read(r, 65536)
    if not chunk:
        break
    data += chunk
sys.stdout.buffer.write(data)
sys.exit(child.wait())
`;

const python = spawnSync('python3', ['-c', 'import fcntl'], { stdio: 'ignore' }).status === 0;

test('standard output written to a full non-blocking pipe arrives whole and in order', { skip: python ? false : 'needs python3 to make a non-blocking pipe' }, () => {
  const writer = `const { writeStdout } = await import(${JSON.stringify(STDOUT_MODULE)});
for (let i = 0; i < ${LINES}; i++) writeStdout('line ' + i + ' ' + 'x'.repeat(40) + '\\n');`;
  const result = spawnSync('python3', ['-c', PYTHON_PARENT, process.execPath, '--input-type=module', '-e', writer], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(result.status, 0, result.stderr);
  const expected = Array.from({ length: LINES }, (_, i) => line(i)).join('');
  assert.equal(result.stdout.length, expected.length);
  assert.ok(result.stdout === expected, 'the output is the lines written, in order');
});
