#!/usr/bin/env node
'use strict';
/**
 * The `bin`: starts the bundled CLI (cli.js, next to this file, and libraries.js when cli.js
 * asks for it) from a V8 code cache of the command being run.
 *
 * Most of a short command's start is V8 compiling cli.js and then, lazily, each function the
 * command calls. A code cache made when a command has finished holds every function it ran, so
 * the next run of that command compiles almost nothing; Node's compile cache (22.1+) holds only
 * what V8 compiles when the file loads, and Node 20 has none. So each command gets its own cache
 * of each file, made by the Node that runs it, on the first run of that command that succeeds, in
 * `code-cache/` beside this file: the tool's own folder, never the repository, the run or a
 * folder another user can write to (V8 runs a code cache as it finds it).
 *
 * A cache can be missing but never wrong: its name carries the identity of the file it was made
 * from (device, inode, size, modification and change times to the nanosecond, which any write
 * to the file changes: V8 itself compares only the source's length), the Node version and
 * architecture, and the V8 flags (NODE_OPTIONS and Node's own arguments); V8 refuses one made by
 * another V8 or under other flags, or cut short. A refused cache is made again, written whole
 * (a temporary file, renamed). No checksum of the file's bytes: loading node:zlib or node:crypto
 * for one would cost a short command more than its cache saves. Where the folder cannot be made
 * or written (an install owned by another user), the files are loaded as any module, with Node's
 * compile cache where Node has one.
 */
// package.json's engines, checked before anything else: on an older Node some commands work and
// others fail halfway, after writing part of their record.
{
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (!((major === 20 && minor >= 17) || (major === 22 && minor >= 9) || major > 22)) {
    process.stderr.write(`error: llm-orchestrator needs Node 20.17 or a later 20.x, or Node 22.9 or later; this is Node ${process.versions.node}: install a supported Node (https://nodejs.org)\n`);
    process.exit(1);
  }
}

const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

// For what Node's own loader compiles: node-llama-cpp (the embedded provider), and the bundle where
// the folder cannot be written.
Module.enableCompileCache?.();

const BUNDLE = path.join(__dirname, 'cli.js');
const LIBRARIES = path.join(__dirname, 'libraries.js');
const CACHE_DIR = path.join(__dirname, 'code-cache');

/** The cache's first word: the command named, or `_` (help, a version, a word that is no command). */
function commandOf(argv) {
  const word = argv.slice(2).find((arg) => !arg.startsWith('-'));
  return word !== undefined && /^[a-z][a-z0-9-]{0,39}$/.test(word) ? word : '_';
}

/** 64-bit FNV-1a of a short text, in hex: names a cache without loading a module to hash. */
function fnv1a(text) {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) hash = ((hash ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n) & 0xffffffffffffffffn;
  return hash.toString(16).padStart(16, '0');
}

function readCache(file) {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

function canWrite() {
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    fs.accessSync(CACHE_DIR, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * `<command>.<file>.` then the runtime (`<node>-<arch>-<file identity>`) and the flags' hash.
 * Written whole or not at all; the command's older caches of the file (another Node, another
 * build of the file) go.
 */
function saveCache(prefix, runtime, flags, data) {
  const file = path.join(CACHE_DIR, `${prefix}${runtime}-${flags}.bin`);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temporary, data);
    fs.renameSync(temporary, file);
    for (const entry of fs.readdirSync(CACHE_DIR)) {
      if (entry.startsWith(prefix) && !entry.endsWith('.tmp') && !entry.startsWith(`${prefix}${runtime}-`)) fs.rmSync(path.join(CACHE_DIR, entry), { force: true });
    }
  } catch {
    fs.rmSync(temporary, { force: true });
  }
}

const command = commandOf(process.argv);
const flags = fnv1a(`${process.execArgv.join('\n')}\n${process.env.NODE_OPTIONS ?? ''}`);
/** What to write when the command ends well: the caches that were missing or refused. */
const toSave = [];
process.once('exit', (code) => {
  // A failed command ran a fraction of its functions; its cache would be worse than the next.
  if (code === 0) for (const save of toSave) save();
});

/** `file`'s module.exports, compiled from the command's cache of it where there is one; null where none can be kept. */
function loadCached(file, name, moduleRequire) {
  // The file's identity from the descriptor its bytes are read through: whatever replaces or
  // rewrites it (even with bytes of the same length) gives it another inode or change time.
  const fd = fs.openSync(file, 'r');
  let bytes;
  let prefix;
  let runtime;
  let cachedData;
  try {
    const stat = fs.fstatSync(fd, { bigint: true });
    prefix = `${command}.${name}.`;
    runtime = `${process.version}-${process.arch}-${fnv1a(`${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`)}`;
    cachedData = readCache(path.join(CACHE_DIR, `${prefix}${runtime}-${flags}.bin`));
    // Without a cache, and with nowhere to keep one, Node's loader reads the file itself.
    if (cachedData === undefined && !canWrite()) return null;
    bytes = fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }

  const vm = require('node:vm');
  // The wrapper Node's loader puts around a CommonJS file, on the file's first line, so line
  // numbers in --debug's stack traces stay the file's.
  const source = `(function (exports, require, module, __filename, __dirname) { ${bytes.toString('utf8')}\n});`;
  const script = new vm.Script(source, { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) toSave.push(() => saveCache(prefix, runtime, flags, script.createCachedData()));
  const loaded = { exports: {} };
  script.runInThisContext()(loaded.exports, moduleRequire, loaded, file, __dirname);
  return loaded.exports;
}

function loadBundle() {
  // V8 measures coverage only in code it compiles itself.
  if (process.env.NODE_V8_COVERAGE) return require(BUNDLE);
  const nodeRequire = Module.createRequire(BUNDLE);
  let libraries;
  // cli.js asks for libraries.js (export, report, check-patch, the edit formats) by this name.
  const bundleRequire = Object.assign((id) => (id === './libraries.js' ? (libraries ??= loadCached(LIBRARIES, 'libraries', nodeRequire) ?? nodeRequire(LIBRARIES)) : nodeRequire(id)), nodeRequire);
  return loadCached(BUNDLE, 'cli', bundleRequire) ?? require(BUNDLE);
}

let cli;
try {
  cli = loadBundle();
} catch (error) {
  // Only the bundle's own start can fail here (an install missing its package.json or packs/):
  // one line like any other error, the stack only with --debug.
  if (process.argv.includes('--debug')) throw error;
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
cli.run(process.argv);
