/**
 * The tool as a user installs it: `npm pack`, then `npm install -g` of the tarball into an empty
 * prefix, and the installed command run from there, far from this checkout and its node_modules.
 *
 * The install runs offline, with an empty npm cache and a registry that refuses connections: the
 * package must hold everything it runs (its bundle, its prompt pack) and depend on nothing, so that
 * installing it needs no network and no build step, on any Node the tool supports.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { PACKAGE_ROOT } from '../src/package-info.js';
import { removeRepos } from './support/git-fixture.js';
import { workspace, type Workspace } from './support/workflow-fixture.js';

const run = promisify(execFile);

/**
 * npm as the test runs it: the npm that started `npm test` (npm_execpath), under this very Node;
 * otherwise the first `npm` on PATH.
 */
function npm(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  const execPath = process.env['npm_execpath'];
  return execPath?.endsWith('.js') ? run(process.execPath, [execPath, ...args], options) : run('npm', args, options);
}

/** npm's settings from nothing but what is given here: no user or project .npmrc, no npm_* from `npm test`. */
function npmEnv(dir: string, settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  return { ...env, npm_config_userconfig: path.join(dir, 'user.npmrc'), npm_config_globalconfig: path.join(dir, 'global.npmrc'), npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false', ...settings };
}

describe('the packed package installs with `npm install -g` and runs with no build step', () => {
  let dir: string;
  let prefix: string;
  let installed: string;
  let bin: string;
  let ws: Workspace;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-install-'));
    prefix = path.join(dir, 'prefix');
    mkdirSync(prefix);
    // --ignore-scripts: `prepare` would build dist/ again, under the other tests that run it; the
    // tests run after the build, so dist/ is the build being tested.
    // A run of the checkout's CLI leaves a code cache in dist/cli/code-cache, which is this
    // machine's and no other's: the package must not carry it.
    await run(process.execPath, [path.join(PACKAGE_ROOT, 'dist', 'cli', 'main.js'), '--help'], { cwd: dir });
    assert.ok(readdirSync(path.join(PACKAGE_ROOT, 'dist', 'cli', 'code-cache')).length > 0);
    const packed = await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: PACKAGE_ROOT, env: npmEnv(dir, {}) });
    const contents = (JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>)[0]!;
    assert.deepEqual(contents.files.filter((file) => file.path.includes('code-cache')), [], 'the package carries a code cache');
    const tarball = path.join(dir, contents.filename);
    await npm(['install', '--global', '--prefix', prefix, '--offline', tarball], {
      cwd: dir,
      // An empty cache and a registry nobody listens on: any package the install wanted would fail it.
      env: npmEnv(dir, { npm_config_cache: path.join(dir, 'npm-cache'), npm_config_registry: 'http://127.0.0.1:9/' }),
    });
    installed = path.join(prefix, 'lib', 'node_modules', 'llm-orchestrator');
    bin = path.join(prefix, 'bin', 'llm-orchestrator');
    ws = await workspace(undefined, { cli: bin });
  });

  after(async () => {
    await ws?.close();
    await removeRepos();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the command is on the prefix\'s PATH and runs through its own #! line, with no node_modules of its own', async () => {
    assert.ok(!existsSync(path.join(installed, 'node_modules')), 'the installed package brought dependencies along');
    // What the bundle holds of other packages ships with their licences.
    const licences = readFileSync(path.join(installed, 'dist', 'cli', 'LICENSES.txt'), 'utf8');
    for (const name of ['commander', 'zod', 'tar', 'minipass', 'diff2html', 'write-file-atomic']) assert.match(licences, new RegExp(`^${name} \\S+ \\(`, 'm'));
    // The Node running the tests first on PATH, as it would be for a user of that Node.
    const env = { ...process.env, PATH: [path.join(prefix, 'bin'), path.dirname(process.execPath), process.env['PATH']].join(path.delimiter) };
    const { stdout } = await run('llm-orchestrator', ['--help'], { cwd: dir, env });
    assert.match(stdout, /^Usage: llm-orchestrator /);
    assert.match(stdout, /^ {2}init /m);
  });

  test('init in a git repository, then doctor against an Ollama server: runnable advice only', async () => {
    const id = await ws.init();
    // The prompt pack came from the installed package.
    assert.deepEqual(readFileSync(path.join(ws.root, 'runs', id, 'pack', 'manifest.json')), readFileSync(path.join(installed, 'packs', 'core', 'manifest.json')));
    const doctor = await ws.cli(['doctor', '--run', id]);
    assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
    assert.match(doctor.stdout, /✅ .*qwen2\.5-coder:7b/);
    // An installed tool has no sources and no dev tools: nothing it says may ask for them.
    assert.doesNotMatch(doctor.stdout + doctor.stderr, /npm run|npm ci/);
    assert.doesNotMatch(doctor.stdout, /⚠️|❌/);
  });

  test('from a clone, `npm install -g .` puts the command on PATH, linked to the clone', async () => {
    const linked = path.join(dir, 'linked');
    mkdirSync(linked);
    // --ignore-scripts: `prepare` builds dist/ (as `npm install` in a clone did), here already built.
    await npm(['install', '--global', '--prefix', linked, '--offline', '--ignore-scripts', '.'], {
      cwd: PACKAGE_ROOT,
      env: npmEnv(dir, { npm_config_cache: path.join(dir, 'npm-cache'), npm_config_registry: 'http://127.0.0.1:9/' }),
    });
    const command = path.join(linked, 'bin', 'llm-orchestrator');
    assert.equal(realpathSync(command), realpathSync(path.join(PACKAGE_ROOT, 'dist', 'cli', 'main.js')));
    const env = { ...process.env, PATH: [path.join(linked, 'bin'), path.dirname(process.execPath), process.env['PATH']].join(path.delimiter) };
    const { stdout } = await run('llm-orchestrator', ['--help'], { cwd: dir, env });
    assert.match(stdout, /^Usage: llm-orchestrator /);
  });

  test('the libraries that cli.js requires on demand ship beside it: export and report run', async () => {
    assert.ok(existsSync(path.join(installed, 'dist', 'cli', 'libraries.js')), 'dist/cli/libraries.js is not in the package');
    const id = await ws.init();
    const archive = path.join(dir, 'run.tar.gz');
    const exported = await ws.cli(['export', '--run', id, '--out', archive]);
    assert.equal(exported.code, 0, exported.stdout + exported.stderr);
    assert.ok(existsSync(archive));
    const report = await ws.cli(['report', '--run', id]);
    assert.equal(report.code, 0, report.stderr);
    // diff2html's stylesheet, which the installed tool reads from libraries.js.
    assert.match(report.stdout, /\.d2h-wrapper/);
  });

  test('without node-llama-cpp beside it, the embedded provider names the install command that adds it', async () => {
    const doctor = await ws.cli(['doctor', '--provider', 'embedded']);
    assert.equal(doctor.code, 1, doctor.stdout + doctor.stderr);
    assert.match(doctor.stdout, /❌ .*`npm install -g node-llama-cpp@\d+\.\d+\.\d+` for a global install/);
  });

  test('report renders diffs with the stylesheet it carries, without node_modules to read it from', async () => {
    const id = await ws.init();
    const report = await ws.cli(['report', '--run', id]);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /\.d2h-wrapper\s*\{/);
  });
});
