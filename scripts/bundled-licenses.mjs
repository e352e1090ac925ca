/**
 * The licences of the packages esbuild put into the bundle, as one text file shipped beside it.
 *
 * The installed tool has no node_modules: the code of commander, zod, tar, diff2html and the rest
 * reaches a user inside dist/cli/cli.js and dist/cli/libraries.js, and their licences (MIT, ISC,
 * BSD, Apache) ask that their notices go with it. esbuild keeps only comments marked as legal, which these packages do not
 * have, so the notices are taken from each package's own licence file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** `inputs`: the keys of esbuild's metafile inputs, paths relative to `root`. */
export function bundledLicenses(root, inputs) {
  const packages = new Set();
  for (const input of inputs) {
    // The innermost node_modules/<name> or node_modules/@scope/<name> of the path: the package the file is from.
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input.split(path.sep).join('/'));
    if (match) packages.add(path.resolve(root, match[1]));
  }
  // And what they depend on: some ship a bundle of their own (tar's index.min.js holds minipass,
  // minizlib and the rest), which esbuild sees as one file of theirs. A dependency that is not in
  // the bundle after all only adds a notice.
  for (const dir of packages) {
    const { dependencies = {} } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const name of Object.keys(dependencies)) packages.add(installedPackage(dir, name));
  }
  const sections = [...packages]
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      const file = readdirSync(dir).find((name) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(name));
      if (!file) throw new Error(`${manifest.name} is in the bundle but has no licence file to ship with it`);
      // Old manifests give the licence as { type, url }.
      return { name: manifest.name, version: manifest.version, license: manifest.license?.type ?? manifest.license, text: readFileSync(path.join(dir, file), 'utf8').trim() };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rule = '-'.repeat(72);
  return [
    'dist/cli/cli.js and dist/cli/libraries.js hold code from the packages below, bundled when llm-orchestrator was built. Their licences follow.',
    '',
    ...sections.flatMap(({ name, version, license, text }) => [rule, `${name} ${version} (${license})`, rule, '', text, '']),
  ].join('\n');
}

/** Where Node finds package `name` from the package in `dir`: its own node_modules, then each one above. */
function installedPackage(dir, name) {
  for (let at = dir; ; at = path.dirname(at)) {
    const candidate = path.join(at, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(at) === at) throw new Error(`${name}, a dependency of ${dir}, is not installed`);
  }
}
