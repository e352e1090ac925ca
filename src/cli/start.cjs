#!/usr/bin/env node
'use strict';
/**
 * The `bin`: starts the bundled CLI (cli.js, next to this file) with the V8 code cache the build
 * made of it (cli.cache), so a short command does not spend its life parsing and compiling.
 *
 * Node 22 has a module compile cache; Node 20, our floor, does not, and its ES module loader costs
 * more than the commands that call no model do. So the CLI is one CommonJS bundle compiled here as
 * a vm.Script, as Node compiles CommonJS itself, with the build's cache as cachedData. V8 refuses a
 * cache made by another Node version or under other V8 flags: the CLI then
 * compiles from source as usual, slower but the same. Nothing is written at run time.
 */
const { readFileSync } = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const file = path.join(__dirname, 'cli.js');
let cachedData;
try {
  cachedData = readFileSync(path.join(__dirname, 'cli.cache'));
} catch {
  // no cache (a partial build, or removed): compile from source
}
// The file is one function expression, Node's CommonJS wrapper plus a package loader (see
// scripts/build-cli.mjs): this module's import() for the packages kept out of the bundle.
// latin1: the build makes sure the bundle is ASCII, so this is the text, at once as one-byte string.
const script = new vm.Script(readFileSync(file, 'latin1'), { filename: file, cachedData });
const cli = { exports: {} };
const loadPackage = (name) => import(name);
// This module's require: it resolves from this folder, which is cli.js's folder too.
script.runInThisContext()(cli.exports, require, cli, file, __dirname, loadPackage);
const codeCache = cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted';
cli.exports.run(process.argv, { codeCache });
