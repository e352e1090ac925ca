/**
 * `npm test`'s last step: Node's test runner over build-test/test/*.test.js, named one by one.
 *
 * `node --test build-test/test/` ran the folder on Node 20 but Node 22 and 24 take a folder
 * argument as a module to load ("Cannot find module"), and Node 20's --test does not expand globs,
 * so the files are listed here: one command that works on all three. The runner's output is left
 * as it is (CI reads its closing lines); the only line added is the note, after it, that the
 * browser test was skipped on a machine without Chromium.
 *
 * Extra arguments (`npm test -- ARGS`) go to node: ones naming existing files replace the full
 * list, the rest are node's own options (`--test-name-pattern=…`, `--test-only`, …).
 *
 * Plain .mjs: it runs whatever `node` is first on PATH, before and without any compiled helper
 * except the Chromium check, which must agree with the browser test itself.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testDir = path.join(root, 'build-test', 'test');

const extra = process.argv.slice(2);
const named = extra.filter((arg) => !arg.startsWith('-') && existsSync(arg));
const options = extra.filter((arg) => !named.includes(arg));
const files = named.length > 0
  ? named
  : readdirSync(testDir).filter((name) => name.endsWith('.test.js')).sort().map((name) => path.join('build-test', 'test', name));

const { browserTestSkipLine, browserTestSkipReason } = await import(pathToFileURL(path.join(testDir, 'support', 'chromium.js')).href);
const browserTests = ['workflow-report-browser.test.js', 'workflow-checks.test.js'].map((name) => path.join(root, 'build-test', 'test', name));
const skipped = files.some((file) => browserTests.includes(path.resolve(file))) ? browserTestSkipReason() : undefined;

const child = spawn(process.execPath, ['--test', '--test-concurrency=2', ...options, ...files], { cwd: root, stdio: 'inherit' });
child.on('error', (error) => {
  console.error(`could not start ${process.execPath}: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (skipped !== undefined) console.log(browserTestSkipLine(skipped));
  process.exit(code ?? (signal ? 1 : 0));
});
