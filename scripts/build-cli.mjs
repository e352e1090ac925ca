/**
 * `npm run build` (after the type check): the CLI as one CommonJS bundle, dist/cli/cli.js.
 *
 * A command that calls no model must start in about the time of a bare `node`, and most of a
 * short command's life went to loading modules: the ES module loader resolves, reads and compiles
 * each file in turn, and zod, commander and our own graph are over a hundred of them. So the CLI
 * is one CommonJS file (dist/cli/package.json says so) that dist/cli/main.js (the bin, from
 * src/cli/start.cjs) compiles from the command's V8 code cache (docs/performance.md). Each
 * command's module is reached through the registry's import(), which esbuild turns into a lazy
 * initialiser: a command evaluates only its own code, although all of it is in one file.
 *
 * Plain .mjs so it runs before anything is compiled. No minification: stack traces with --debug
 * stay readable.
 */
import { chmodSync, copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundledLicenses } from './bundled-licenses.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'cli');
const bundle = path.join(outdir, 'cli.js');
const start = path.join(outdir, 'main.js');
const onDemand = path.join(outdir, 'libraries.js');
const packageJson = path.join(outdir, 'package.json');
const importPackage = path.join(outdir, 'import-package.cjs');
const licenses = path.join(outdir, 'LICENSES.txt');

/**
 * Packages kept out of the bundle and loaded from node_modules as they are: ones with native code,
 * which a bundle would break. They are imported lazily by the one command that needs them. All
 * else is in the bundle, so an installed tool needs nothing from node_modules but these.
 */
const EXTERNAL = ['node-llama-cpp', 'playwright-core'];

/**
 * Libraries that only `export`, `report` and the whole-file and search/replace edit formats use
 * (tar; diff2html with hogan; jsdiff), a quarter of the code, go into a second file,
 * dist/cli/libraries.js, which cli.js requires when one of them is first needed: every command
 * reads and compiles cli.js at its start, and these would add to every start. Each is evaluated
 * on first use, and the file holds nothing of ours, so no module of the CLI exists twice.
 * diff2html's stylesheet is there too: src/files/diff2html-css.ts reads it from node_modules,
 * which an installed tool does not have.
 */
const ON_DEMAND = {
  tar: "require('tar')",
  diff: "require('diff')",
  diff2html: "require('diff2html')",
  diff2htmlCss: JSON.stringify(readFileSync(Module.createRequire(import.meta.url).resolve('diff2html/bundles/css/diff2html.min.css'), 'utf8')),
};
const onDemandEntry = `module.exports = {\n${Object.entries(ON_DEMAND)
  .map(([name, value]) => `  get ${name}() { return ${value}; },`)
  .join('\n')}\n};\n`;

/** In cli.js, each of those packages is the matching getter of libraries.js. */
const onDemandInCli = {
  name: 'on-demand-libraries',
  setup(build) {
    const packages = /^(tar|diff|diff2html)$/;
    build.onResolve({ filter: packages }, (args) => ({ path: args.path, namespace: 'on-demand' }));
    build.onLoad({ filter: /.*/, namespace: 'on-demand' }, (args) => ({ contents: `module.exports = require('./libraries.js').${args.path};`, loader: 'js' }));
    build.onResolve({ filter: /^\.\/libraries\.js$/, namespace: 'on-demand' }, () => ({ path: './libraries.js', external: true }));
  },
};

/**
 * A plugin that gives one of our source modules `contents` instead, which require `sibling`: a
 * file beside cli.js, left out of the bundle.
 */
function replaceSource(name, { source, contents, sibling }) {
  const siblingFilter = new RegExp(`^${sibling.replace(/[.]/g, '\\.')}$`);
  return {
    name,
    setup(build) {
      build.onLoad({ filter: source }, () => ({ contents, loader: 'js' }));
      build.onResolve({ filter: siblingFilter }, (args) => (source.test(args.importer) ? { path: sibling, external: true } : undefined));
    },
  };
}

const replacedSources = [
  // The stylesheet is read from libraries.js, which carries it (an installed tool has no node_modules).
  replaceSource('diff2html-css-from-libraries', {
    source: /[\\/]src[\\/]files[\\/]diff2html-css\.ts$/,
    contents: "export function diff2htmlCss() { return require('./libraries.js').diff2htmlCss; }",
    sibling: './libraries.js',
  }),
  // import() becomes dist/cli/import-package.cjs's: the bin compiles cli.js from a code cache as a
  // vm.Script, whose import() fails on Node 20, while a file Node's loader compiles can import. It
  // sits beside cli.js, so packages resolve from the same place.
  replaceSource('import-outside-the-bundle', {
    source: /[\\/]src[\\/]model[\\/]embedded[\\/]import-package\.ts$/,
    contents: "export function importPackage(name) { return require('./import-package.cjs')(name); }",
    sibling: './import-package.cjs',
  }),
];

/** A plugin that gives one package, for one import, the module `contents` instead. */
function replaceImport(name, { packageName, specifier, contents }) {
  const importer = new RegExp(`[\\\\/]node_modules[\\\\/]${packageName}[\\\\/]`);
  return {
    name,
    setup(build) {
      build.onResolve({ filter: specifier }, (args) => (importer.test(args.importer) ? { path: name, namespace: name } : undefined));
      build.onLoad({ filter: /.*/, namespace: name }, () => ({ contents, loader: 'js' }));
    },
  };
}

const replacedImports = [
  // zod's locales/index.js re-exports all of its ~60 locales; anything that reaches it would put
  // every one of them in the bundle, although the tool only registers English (src/schema/zod.ts,
  // from locales/en.js).
  replaceImport('zod-without-locales', { packageName: 'zod', specifier: /^\.\.\/locales\/index\.js$/, contents: 'export {};' }),
  // commander requires child_process when it loads, for executable subcommands, which this tool
  // does not have; child_process brings net and streams with it, a few milliseconds of every
  // command's start. Here commander gets child_process on first use instead.
  replaceImport('lazy-child-process-for-commander', {
    packageName: 'commander',
    specifier: /^(node:)?child_process$/,
    contents: "module.exports = new Proxy({}, { get: (_, name) => require('node:child_process')[name] });",
  }),
  // write-file-atomic puts the thread id in its temporary file names, to keep two threads of one
  // process apart, and loads worker_threads for it when it loads (a few milliseconds of every
  // command's start). The CLI runs on the main thread only, whose id is 0.
  replaceImport('main-thread-for-write-file-atomic', {
    packageName: 'write-file-atomic',
    specifier: /^(node:)?worker_threads$/,
    contents: 'module.exports = { threadId: 0, isMainThread: true };',
  }),
];

const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.17',
  external: EXTERNAL,
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
};

/**
 * The plan's JSON Schema (planJsonSchema in src/schema/plan.ts), converted from its zod schema here
 * by the same code the sources run, so the CLI does not convert at every plan call; the bundle
 * reads it from __PLAN_JSON_SCHEMA__. A test compares the CLI's requests with the sources' own
 * conversion.
 */
async function planSchemaText() {
  const made = await build({ ...common, metafile: false, write: false, entryPoints: ['src/schema/plan.ts'], outfile: path.join(outdir, 'plan-schema.js') });
  const module = { exports: {} };
  const code = made.outputFiles.find((file) => file.path.endsWith('.js')).text;
  new Function('module', 'exports', 'require', code)(module, module.exports, Module.createRequire(import.meta.url));
  return JSON.stringify(module.exports.planJsonSchema());
}

const libraries = await build({
  ...common,
  stdin: { contents: onDemandEntry, resolveDir: root, sourcefile: 'libraries.js', loader: 'js' },
  outfile: onDemand,
  banner: { js: '"use strict";' },
});

const result = await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: bundle,
  // The sources are ES modules (the tests run them as such); in a CommonJS bundle import.meta is
  // empty, so its two uses get their CommonJS equivalents.
  define: { 'import.meta.url': '__import_meta_url', 'import.meta.resolve': '__import_meta_resolve', __PLAN_JSON_SCHEMA__: JSON.stringify(await planSchemaText()) },
  // Strict, as the ES modules it is made of.
  banner: {
    js: [
      '"use strict";',
      "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;",
      "const __import_meta_resolve = (specifier) => require('node:url').pathToFileURL(require.resolve(specifier)).href;",
    ].join(' '),
  },
  plugins: [onDemandInCli, ...replacedSources, ...replacedImports],
});

writeFileSync(packageJson, '{\n  "type": "commonjs"\n}\n');
writeFileSync(importPackage, "'use strict';\n// import() for cli.js (see src/model/embedded/import-package.ts).\nmodule.exports = (name) => import(name);\n");
writeFileSync(licenses, bundledLicenses(root, [...Object.keys(result.metafile.inputs), ...Object.keys(libraries.metafile.inputs)]));
copyFileSync(path.join(root, 'src', 'cli', 'start.cjs'), start);
chmodSync(start, 0o755);

// Whatever else is in dist/ (an older build's chunks, tsc's file-by-file output) is removed after
// the new files are in place, so no stale module can be loaded and a CLI started a moment ago
// during the build still finds its own.
const written = new Set([...[result, libraries].flatMap((built) => Object.keys(built.metafile.outputs)).map((file) => path.resolve(root, file)), packageJson, importPackage, start, licenses]);
for (const entry of readdirSync(path.join(root, 'dist'), { recursive: true, withFileTypes: true })) {
  const file = path.join(entry.parentPath, entry.name);
  if (entry.isFile() && !written.has(file)) rmSync(file);
}
const dirs = readdirSync(path.join(root, 'dist'), { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => path.join(entry.parentPath, entry.name))
  .sort((a, b) => b.length - a.length); // deepest first, so a folder of empty folders goes too
for (const dir of dirs) if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
