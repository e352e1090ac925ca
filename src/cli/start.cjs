#!/usr/bin/env node
'use strict';
/**
 * The `bin`: starts the bundled CLI (cli.js, next to this file) with Node's compile cache on.
 *
 * Node 22.1+ then keeps V8's code cache of cli.js where NODE_COMPILE_CACHE says, else in
 * <OS temporary folder>/node-compile-cache (never in the repository or the run), made on the first
 * start and checked by Node against the file's contents, the Node version and the V8 flags, so a
 * cache can be missing but never wrong. Node 20 has no compile cache: it compiles from source.
 */
require('node:module').enableCompileCache?.();
require('./cli.js').run(process.argv);
