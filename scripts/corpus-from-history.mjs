#!/usr/bin/env node
/**
 * Dev script: build a corpus like ../shared/diff-corpus from a local repository's own history, to
 * measure the repair engine on diffs it has never seen (no network: git only).
 *
 *   node scripts/corpus-from-history.mjs [--repo DIR] [--rev REV] [--out DIR] [--per-commit N] [--limit N] [--lib FILE]
 *
 * Every non-merge commit of --repo (default: this checkout) up to --rev (default HEAD) touching 1–4 text files gives up to
 * --per-commit cases (default 4), each its clean `git diff -U3` with 1–3 corruptions of the kinds
 * local models make, drawn from a generator seeded by the commit and case number (so the same
 * history gives the same corpus). Each case is laid out as the shared corpus's: case.json, pre/,
 * post/, clean.diff, broken.diff. The diff model and seeded generator are the shared corpus's own
 * (--lib, default ../shared/diff-corpus/lib.mjs). Measure with
 *
 *   node build-test/scripts/corpus-engine.js --cases DIR
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values: args } = parseArgs({
  options: {
    repo: { type: 'string', default: '.' },
    rev: { type: 'string', default: 'HEAD' },
    out: { type: 'string', default: '/tmp/llm-orchestrator-history-corpus' },
    'per-commit': { type: 'string', default: '4' },
    limit: { type: 'string' },
    lib: { type: 'string', default: '../shared/diff-corpus/lib.mjs' },
  },
});
const { git, makeRng, parseDiff, serializeDiff, cloneModel } = await import(pathToFileURL(path.resolve(args.lib)).href);

/** Corruption kinds and their weights: the shared corpus's kinds that a history's diffs allow. */
const KINDS = [
  ['context_line_removed', 5],
  ['context_leading_space_dropped', 3],
  ['bare_hunk_headers', 2],
  ['wrong_line_numbers', 2],
  ['wrong_hunk_counts', 2],
  ['hunks_reversed', 1],
  ['missing_ab_prefixes', 1],
  ['strip_final_newline', 1],
  ['tabs_to_spaces', 1],
  ['trailing_ws_stripped', 1],
];

function pickKind(rng) {
  let x = rng.next() * KINDS.reduce((sum, [, w]) => sum + w, 0);
  for (const [kind, w] of KINDS) if ((x -= w) < 0) return kind;
  return KINDS[0][0];
}

/** Apply one corruption of `kind` to the diff model; false when the diff gives it no hold. */
function corrupt(kind, model, rng, detail) {
  const file = rng.pick(model.files.filter((f) => f.hunks.length > 0));
  if (!file) return false;
  const hunk = rng.pick(file.hunks);
  switch (kind) {
    case 'context_line_removed': {
      const position = rng.pick(['leading', 'trailing', 'middle']);
      const context = hunk.lines.flatMap((l, i) => (l[0] === ' ' ? [i] : []));
      if (context.length < 2) return false;
      const last = hunk.lines.length - 1;
      let at;
      if (position === 'leading') at = hunk.lines[0][0] === ' ' ? 0 : -1;
      else if (position === 'trailing') at = hunk.lines[last][0] === ' ' ? last : -1;
      else {
        const middle = context.filter((i) => i > 0 && i < last);
        at = middle.length > 0 ? rng.pick(middle) : -1;
      }
      if (at < 0) return false;
      hunk.lines.splice(at, 1);
      detail.push({ name: kind, position });
      return true;
    }
    case 'context_leading_space_dropped': {
      const variant = rng.pick(['one-line', 'empty-lines']);
      if (variant === 'empty-lines') {
        let n = 0;
        for (const h of file.hunks) h.lines = h.lines.map((l) => (l === ' ' ? (n++, '') : l));
        if (n === 0) return false;
        detail.push({ name: kind, variant, lines: n });
        return true;
      }
      const context = hunk.lines.flatMap((l, i) => (l[0] === ' ' && l.length > 1 ? [i] : []));
      if (context.length === 0) return false;
      const at = rng.pick(context);
      hunk.lines[at] = hunk.lines[at].slice(1);
      detail.push({ name: kind, variant });
      return true;
    }
    case 'bare_hunk_headers': {
      const style = rng.pick(['@@', '@@ ... @@', '@@ -1 +1 @@']);
      for (const f of model.files) for (const h of f.hunks) h.rawHeader = style;
      detail.push({ name: kind, style });
      return true;
    }
    case 'wrong_line_numbers': {
      const mode = rng.pick(['same', 'independent']);
      const shift = rng.sign() * rng.int(1, 40);
      for (const h of file.hunks) {
        const d = mode === 'same' ? shift : rng.sign() * rng.int(1, 40);
        h.oldStart = Math.max(1, h.oldStart + d);
        h.newStart = Math.max(1, h.newStart + d);
      }
      detail.push({ name: kind, mode });
      return true;
    }
    case 'wrong_hunk_counts': {
      hunk.oldCount += rng.sign();
      hunk.newCount += rng.sign();
      if (hunk.oldCount < 0 || hunk.newCount < 0) return false;
      detail.push({ name: kind });
      return true;
    }
    case 'hunks_reversed': {
      if (file.hunks.length < 2) return false;
      file.hunks.reverse();
      detail.push({ name: kind, hunks: file.hunks.length });
      return true;
    }
    case 'missing_ab_prefixes': {
      for (const f of model.files) {
        if (f.minus) f.minus = f.minus.replace(/^--- a\//, '--- ');
        if (f.plus) f.plus = f.plus.replace(/^\+\+\+ b\//, '+++ ');
      }
      detail.push({ name: kind });
      return true;
    }
    case 'strip_final_newline':
      model.stripFinal = true;
      detail.push({ name: kind });
      return true;
    case 'tabs_to_spaces':
    case 'trailing_ws_stripped': {
      let n = 0;
      const change = kind === 'tabs_to_spaces'
        ? (l) => (l[0] !== '+' && l.includes('\t') ? (n++, l.replace(/\t/g, '    ')) : l)
        : (l) => (l[0] !== '+' && l.length > 1 && /\s$/.test(l) ? (n++, l.replace(/\s+$/, '')) : l);
      for (const h of file.hunks) h.lines = h.lines.map(change);
      if (n === 0) return false;
      detail.push({ name: kind, lines: n });
      return true;
    }
  }
  return false;
}

function writeBlob(file, content) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

const repo = path.resolve(args.repo);
const out = path.resolve(args.out);
const perCommit = Number(args['per-commit']);
const limit = args.limit === undefined ? Infinity : Number(args.limit);
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
let n = 0;
for (const commit of git(repo, ['rev-list', '--no-merges', args.rev]).trim().split('\n')) {
  if (n >= limit) break;
  let parent;
  try {
    parent = git(repo, ['rev-parse', '--verify', '-q', `${commit}^`]).trim();
  } catch {
    continue; // the root commit
  }
  const changes = git(repo, ['diff', '--name-status', '--no-renames', parent, commit]).trim().split('\n').filter(Boolean).map((l) => l.split('\t'));
  if (changes.length < 1 || changes.length > 4) continue;
  const clean = git(repo, ['diff', '--no-color', '--no-renames', '--no-ext-diff', '-U3', parent, commit]);
  if (clean === '' || /^Binary files|^GIT binary/m.test(clean) || clean.includes('\r') || Buffer.byteLength(clean) > 200_000) continue;
  let model;
  try {
    model = parseDiff(clean);
  } catch {
    continue;
  }
  for (let s = 0; s < perCommit && n < limit; s++) {
    const rng = makeRng(commit, s);
    const m = cloneModel(model);
    const detail = [];
    const want = rng.int(1, 3);
    for (let tries = 0; tries < 12 && detail.length < want; tries++) {
      const kind = pickKind(rng);
      if (!detail.some((d) => d.name === kind)) corrupt(kind, m, rng, detail);
    }
    let broken = serializeDiff(m);
    if (m.stripFinal) broken = broken.replace(/\n$/, '');
    if (detail.length === 0 || broken === clean) continue;
    const id = `${String(++n).padStart(4, '0')}-${commit.slice(0, 10)}`;
    const dir = path.join(out, id);
    for (const [status, p] of changes) {
      if (status !== 'A') writeBlob(path.join(dir, 'pre', p), git(repo, ['show', `${parent}:${p}`], { buffer: true }));
      if (status !== 'D') writeBlob(path.join(dir, 'post', p), git(repo, ['show', `${commit}:${p}`], { buffer: true }));
    }
    fs.writeFileSync(path.join(dir, 'clean.diff'), clean);
    fs.writeFileSync(path.join(dir, 'broken.diff'), broken);
    fs.writeFileSync(path.join(dir, 'case.json'), `${JSON.stringify({ id, commit, parent, corruption: detail.map((d) => d.name), corruption_detail: detail }, null, 2)}\n`);
  }
}
process.stdout.write(`${n} cases in ${out}\n`);
