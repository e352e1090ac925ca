/**
 * The bin's code cache (src/cli/start.cjs): one per command, beside the bundle, made by the Node
 * that runs the tool, and never used for another bundle, another Node or other V8 flags. Each test
 * runs a copy of the built tool, so its cache folder starts empty and can be damaged at will.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CLI } from './support/cli.js';

const PACKAGE_ROOT = path.resolve(path.dirname(CLI), '../..');
const NAME = new RegExp(`^([a-z_][a-z0-9-]*)\\.(cli|libraries)\\.${process.version.replaceAll('.', '\\.')}-${process.arch}-[0-9a-f]{16}-[0-9a-f]{16}\\.bin$`);

describe('the code cache of each command', () => {
  let parent: string;
  let tool: string;
  let cacheDir: string;
  let repo: string;
  let temp: string;

  before(() => {
    parent = mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-code-cache-'));
    repo = path.join(parent, 'repo');
    mkdirSync(repo);
    assert.equal(spawnSync('git', ['init', '-q'], { cwd: repo }).status, 0);
  });
  after(() => rmSync(parent, { recursive: true, force: true }));
  beforeEach(() => {
    tool = path.join(parent, 'tool');
    rmSync(tool, { recursive: true, force: true });
    for (const part of ['dist', 'packs', 'package.json']) cpSync(path.join(PACKAGE_ROOT, part), path.join(tool, part), { recursive: true, filter: (source) => path.basename(source) !== 'code-cache' });
    cacheDir = path.join(tool, 'dist', 'cli', 'code-cache');
    temp = path.join(parent, 'tmp');
    rmSync(temp, { recursive: true, force: true });
    mkdirSync(temp);
  });

  function cli(args: string[], env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []) {
    const result = spawnSync(process.execPath, [...nodeArgs, path.join(tool, 'dist', 'cli', 'main.js'), ...args], {
      cwd: repo,
      env: { ...process.env, TMPDIR: temp, NODE_COMPILE_CACHE: undefined, NODE_OPTIONS: undefined, NODE_V8_COVERAGE: undefined, ...env },
      encoding: 'utf8',
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }
  const caches = () => (existsSync(cacheDir) ? readdirSync(cacheDir).sort() : []);
  /** The one cache of `file` (cli.js by default) for `command`. */
  const cacheOf = (command: string, file = 'cli') => {
    const found = caches().filter((name) => NAME.exec(name)?.[1] === command && NAME.exec(name)?.[2] === file);
    assert.equal(found.length, 1, `caches of ${command}: ${caches().join(', ')}`);
    return path.join(cacheDir, found[0]!);
  };
  /** A cache left as it was (not made again) is the same file: same inode, same bytes. */
  const identity = (file: string) => `${statSync(file).ino}:${crc32(readFileSync(file))}`;

  test('the first successful run of a command leaves its cache beside the bundle, which the next run uses as it is', () => {
    const first = cli(['runs']);
    assert.equal(first.code, 0, first.stderr);
    const runs = cacheOf('runs');
    assert.deepEqual(readdirSync(repo), ['.git'], 'the CLI wrote into the repository');
    // (Node's compile cache, for what Node's loader compiles, may make its empty folder there.)
    assert.deepEqual(readdirSync(temp, { recursive: true, withFileTypes: true }).filter((entry) => !entry.isDirectory()), [], 'the CLI wrote into the OS temporary folder');
    const made = identity(runs);
    const second = cli(['runs']);
    assert.deepEqual(second, first);
    assert.equal(identity(runs), made, 'the cache was refused and made again');

    // Help and a version share one; a failed command leaves none (it ran a fraction of its code).
    assert.equal(cli(['--help']).code, 0);
    cacheOf('_');
    assert.equal(cli(['show', '--run', 'no-such-run']).code, 1);
    assert.equal(cli(['nosuch']).code, 2);
    assert.deepEqual(caches().map((name) => NAME.exec(name)?.slice(1, 3).join(' ')), ['_ cli', 'runs cli']);
  });

  test('a cache V8 refuses (cut short, or not a code cache) is made again and the command works the same', () => {
    const plain = cli(['runs']);
    const runs = cacheOf('runs');
    const whole = readFileSync(runs);
    for (const damaged of [whole.subarray(0, whole.length >> 1), Buffer.alloc(5000, 7)]) {
      writeFileSync(runs, damaged);
      const before = identity(runs);
      assert.deepEqual(cli(['runs']), plain);
      assert.notEqual(identity(cacheOf('runs')), before, 'a refused cache was kept');
      assert.ok(statSync(cacheOf('runs')).size > 5000);
    }
  });

  test('a cache made for another cli.js is never used, even one of the same length (all V8 compares), written in place', () => {
    assert.equal(cli(['runs']).code, 0);
    const bundle = path.join(tool, 'dist', 'cli', 'cli.js');
    const source = readFileSync(bundle, 'utf8');
    assert.ok(source.includes('no runs in '));
    writeFileSync(bundle, source.replace('no runs in ', 'na runs in '));
    const changed = cli(['runs']);
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stdout, /^na runs in /, 'the old bundle ran from its cache');
    // The old bundle's cache went when the new one's was written.
    cacheOf('runs');
  });

  test('libraries.js, which cli.js asks for where a command needs it, gets a cache of its own per command', () => {
    // A whole-file reply converted against a one-file repository: the edit formats use jsdiff.
    const work = path.join(parent, 'libraries-repo');
    mkdirSync(work, { recursive: true });
    writeFileSync(path.join(work, 'f.txt'), 'a\nb\n');
    for (const args of [['init', '-q'], ['add', 'f.txt'], ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'base']]) assert.equal(spawnSync('git', args, { cwd: work }).status, 0);
    writeFileSync(path.join(work, 'reply.txt'), 'f.txt\n```\na\nc\n```\n');
    const check = () => cli(['check-patch', '--repo', work, '--format', 'whole', path.join(work, 'reply.txt')]);
    const first = check();
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^\+c$/m);
    const libraries = cacheOf('check-patch', 'libraries');
    cacheOf('check-patch', 'cli');
    const made = identity(libraries);
    assert.deepEqual(check(), first);
    assert.equal(identity(libraries), made, 'the cache of libraries.js was refused and made again');
    // A command that never needs it makes none.
    assert.equal(cli(['runs']).code, 0);
    assert.deepEqual(caches().filter((name) => NAME.exec(name)?.[1] === 'runs').map((name) => NAME.exec(name)?.[2]), ['cli']);
  });

  test('V8 flags, through NODE_OPTIONS or node itself, get caches of their own', () => {
    const plain = cli(['runs']);
    for (const [env, nodeArgs] of [[{ NODE_OPTIONS: '--max-old-space-size=300' }, []], [{}, ['--stack-size=900']]] as const) {
      for (let i = 0; i < 2; i++) assert.deepEqual(cli(['runs'], env, [...nodeArgs]), plain);
    }
    assert.equal(caches().length, 3, caches().join(', '));
  });

  test('the bundle is ASCII, so it decodes as one-byte text at every start', () => {
    // One character outside ASCII (a tagged template keeps it as written) makes the whole 0.9 MB
    // a two-byte string: 2 to 3 ms more of every start on this project's machine.
    for (const file of ['cli.js', 'libraries.js', 'main.js']) {
      const text = readFileSync(path.join(PACKAGE_ROOT, 'dist', 'cli', file), 'latin1');
      const line = text.split('\n').findIndex((row) => /[^\x00-\x7f]/.test(row));
      assert.equal(line, -1, `dist/cli/${file} line ${line + 1} is not ASCII: write the character as an escape in the source`);
    }
  });

  test("a Node outside package.json's engines is refused in one line before anything runs", () => {
    assert.equal(JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')).engines.node, '^20.17.0 || >=22.9.0', 'the check in src/cli/start.cjs follows engines');
    const pretend = path.join(parent, 'pretend-node.cjs');
    for (const [version, supported] of [['18.20.8', false], ['20.16.0', false], ['20.17.0', true], ['21.7.3', false], ['22.8.0', false], ['22.9.0', true], ['25.1.0', true]] as const) {
      writeFileSync(pretend, `Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '${version}' } });\n`);
      const result = cli(['--version'], {}, ['--require', pretend]);
      if (supported) {
        assert.equal(result.code, 0, `${version}: ${result.stderr}`);
      } else {
        assert.equal(result.code, 1, version);
        assert.equal(result.stdout, '');
        assert.equal(result.stderr, `error: llm-orchestrator needs Node 20.17 or a later 20.x, or Node 22.9 or later; this is Node ${version}: install a supported Node (https://nodejs.org)\n`);
      }
    }
  });

  test('an install without its package.json says so in one line and exits 1; the stack only with --debug', () => {
    rmSync(path.join(tool, 'package.json'));
    const broken = cli(['--version']);
    assert.equal(broken.code, 1, broken.stderr);
    assert.equal(broken.stdout, '');
    assert.match(broken.stderr, /^error: llm-orchestrator cannot find its package\.json and packs\/ in .* or above: reinstall the tool\n$/);
    const debug = cli(['--version', '--debug']);
    assert.notEqual(debug.code, 0);
    assert.match(debug.stderr, /\n\s+at /);
  });

  test('where the folder cannot be made, the bundle loads as any module (with Node\'s compile cache where Node has one)', () => {
    writeFileSync(cacheDir, 'not a folder');
    const result = cli(['runs']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^no runs in /);
    assert.equal(readFileSync(cacheDir, 'utf8'), 'not a folder');
    if (typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function') {
      assert.ok(readdirSync(path.join(temp, 'node-compile-cache'), { recursive: true }).length > 0, "Node's compile cache was not used");
    }
  });
});
