#!/usr/bin/env node
'use strict';
/**
 * The `bin`: starts the bundled CLI (cli.js, next to this file) from a V8 code cache of the
 * command being run.
 *
 * Most of a short command's start is V8 compiling cli.js and then, lazily, each function the
 * command calls. A code cache made when a command has finished holds every function it ran, so
 * the next run of that command compiles almost nothing; Node's compile cache (22.1+) holds only
 * what V8 compiles when the file loads, and Node 20 has none. So each command gets its own cache,
 * made by the Node that runs it, on the first run of that command that succeeds, in
 * `code-cache/` beside this file: the tool's own folder, never the repository, the run or a
 * folder another user can write to (V8 runs a code cache as it finds it).
 *
 * A cache can be missing but never wrong: its name carries a checksum of cli.js's bytes (V8
 * itself compares only the source's length), the Node version and architecture, and the V8 flags
 * (NODE_OPTIONS and Node's own arguments); its contents carry a checksum of themselves (a torn or
 * damaged file is ignored); V8 refuses one made by another V8 or under other flags. A refused or
 * damaged cache is made again. Where the folder cannot be made or written (an install owned by
 * another user), cli.js is loaded as any module, with Node's compile cache where Node has one.
 */
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

// For what Node's own loader compiles: libraries.js, playwright-core, and cli.js where the folder
// cannot be written.
Module.enableCompileCache?.();

const BUNDLE = path.join(__dirname, 'cli.js');
const CACHE_DIR = path.join(__dirname, 'code-cache');

/** The cache's first word: the command named, or `_` (help, a version, a word that is no command). */
function commandOf(argv) {
  const word = argv.slice(2).find((arg) => !arg.startsWith('-'));
  return word !== undefined && /^[a-z][a-z0-9-]{0,39}$/.test(word) ? word : '_';
}

function hex(number) {
  return number.toString(16).padStart(8, '0');
}

function readCache(file, crc32) {
  let data;
  try {
    data = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  return data.length > 4 && data.readUInt32LE(0) === crc32(data.subarray(4)) ? data.subarray(4) : undefined;
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

/** Written whole or not at all; older caches of the command (another bundle or Node) go. */
function saveCache(command, key, data, crc32) {
  const file = path.join(CACHE_DIR, `${command}.${key}.bin`);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const head = Buffer.alloc(4);
    head.writeUInt32LE(crc32(data), 0);
    fs.writeFileSync(temporary, Buffer.concat([head, data]));
    fs.renameSync(temporary, file);
    const runtime = key.slice(0, key.lastIndexOf('-'));
    for (const entry of fs.readdirSync(CACHE_DIR)) {
      if (entry.startsWith(`${command}.`) && !entry.endsWith('.tmp') && !entry.startsWith(`${command}.${runtime}-`)) fs.rmSync(path.join(CACHE_DIR, entry), { force: true });
    }
  } catch {
    fs.rmSync(temporary, { force: true });
  }
}

function loadBundle() {
  // V8 measures coverage only in code it compiles itself.
  if (process.env.NODE_V8_COVERAGE) return require(BUNDLE);
  const bytes = fs.readFileSync(BUNDLE);
  const { crc32 } = require('node:zlib');
  const flags = `${process.execArgv.join('\n')}\n${process.env.NODE_OPTIONS ?? ''}`;
  const key = `${process.version}-${process.arch}-${hex(crc32(bytes))}-${hex(crc32(flags))}`;
  const command = commandOf(process.argv);
  const cachedData = readCache(path.join(CACHE_DIR, `${command}.${key}.bin`), crc32);
  if (cachedData === undefined && !canWrite()) return require(BUNDLE);

  const vm = require('node:vm');
  // The wrapper Node's loader puts around a CommonJS file, on the file's first line, so line
  // numbers in --debug's stack traces stay those of cli.js.
  const source = `(function (exports, require, module, __filename, __dirname) { ${bytes.toString('utf8')}\n});`;
  const script = new vm.Script(source, { filename: BUNDLE, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', (code) => {
      // A failed command ran a fraction of its functions; its cache would be worse than the next.
      if (code === 0) saveCache(command, key, script.createCachedData(), crc32);
    });
  }
  const bundleModule = { exports: {} };
  script.runInThisContext()(bundleModule.exports, Module.createRequire(BUNDLE), bundleModule, BUNDLE, __dirname);
  return bundleModule.exports;
}

loadBundle().run(process.argv);
