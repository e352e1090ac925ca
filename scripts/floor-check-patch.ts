/**
 * A baseline for `bench:repair`, not part of the tool: the least work check-patch's contract asks
 * of a clean `git diff`, written as lean as it goes, so that the bench can tell what part of
 * check-patch's time any implementation would pay on this machine and what part is the tool's own.
 *
 *   node build-test/scripts/floor-check-patch.js REPO PATCH OUT
 *
 * It does what the contract cannot do without, for a diff git wrote (only `diff --git` file
 * patches modifying existing files, `@@ -a,b +c,d @@` hunks): read the patch; have git validate it
 * in a temporary index (read-tree HEAD, apply --cached, write-tree), started at once so git works
 * on the other core; read the base files through git (one listing, one cat-file --batch), each
 * checked as it arrives: every context and removed line equal to the file's line where the header
 * puts it, and the hunk's old lines found at no other line of the file (ambiguity); the file's
 * post-image and its blob id, which must be the one in the tree git wrote; then the patch written
 * to OUT. Where a hunk's old lines also fit at another line, it counts them (check-patch then asks
 * the header's hints, cheap next to finding them). Exit 0 when all holds, 1 naming the first thing that does not.
 *
 * What it leaves out, which check-patch does: finding the diff in a reply (fences, prose), every
 * repair, any diff git did not write (renames, new or deleted files, modes, CRLF, missing final
 * newlines), the path and content policy, refusal messages, fix records, the lock and the CLI.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

interface Hunk {
  oldStart: number;
  /** Offsets in the patch's text of the hunk's first body line and one past its last. */
  body: number;
  end: number;
}

interface FilePatch {
  path: string;
  hunks: Hunk[];
}

const [repo, patchFile, outFile] = process.argv.slice(2);
if (repo === undefined || patchFile === undefined || outFile === undefined) {
  process.stderr.write('usage: floor-check-patch REPO PATCH OUT\n');
  process.exit(2);
}

class Refused extends Error {}

function fail(message: string): never {
  throw new Refused(message);
}

function git(args: string[], env: NodeJS.ProcessEnv = process.env, input?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', ['-C', repo!, ...args], { env, maxBuffer: 1 << 30 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    child.stdin?.end(input);
  });
}

/** The file patches and hunks of a diff as git writes it. */
function readPatch(text: string): FilePatch[] {
  const files: FilePatch[] = [];
  let file: FilePatch | null = null;
  for (let at = 0; at < text.length; ) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const c = text.charCodeAt(at);
    if (c === 100 && text.startsWith('diff --git ', at)) {
      file = { path: text.slice(text.indexOf(' b/', at) + 3, end), hunks: [] };
      files.push(file);
    } else if (c === 64 && text.startsWith('@@ -', at) && file !== null) {
      file.hunks.push({ oldStart: Number.parseInt(text.slice(at + 4, at + 16), 10), body: end + 1, end: end + 1 });
    } else if ((c === 32 || c === 43 || c === 45) && file !== null && file.hunks.length > 0) {
      file.hunks[file.hunks.length - 1]!.end = end + 1;
    } else if (c === 43 || c === 45 || c === 105) {
      // `--- a/…`, `+++ b/…`, `index …`: the file's own header lines.
    } else if (at !== end && c !== 92) fail(`a line this baseline does not read (it takes only changes to existing files, as git writes them): ${JSON.stringify(text.slice(at, Math.min(end, at + 60)))}`);
    at = end + 1;
  }
  return files;
}

/** Hunks whose old lines fit at another line of the file too. */
let elsewhere = 0;

/** Checks one file patch against its base content; its post-image's blob id. */
function check(text: string, file: FilePatch, content: Buffer): string {
  const base = content.toString('utf8');
  const starts = [0];
  for (let p = base.indexOf('\n'); p >= 0; p = base.indexOf('\n', p + 1)) starts.push(p + 1);
  if (!base.endsWith('\n')) starts.push(base.length + 1);
  const parts: string[] = [];
  let next = 0;
  for (const hunk of file.hunks) {
    let line = hunk.oldStart - 1;
    if (line < next || line >= starts.length) fail(`${file.path}: a hunk at line ${hunk.oldStart} out of order or past the file`);
    parts.push(base.slice(starts[next], starts[line]));
    const from = starts[line]!;
    for (let p = hunk.body; p < hunk.end; ) {
      const e = text.indexOf('\n', p);
      const c = text.charCodeAt(p);
      if (c === 32 || c === 45) {
        const s = starts[line]!;
        const length = starts[line + 1]! - 1 - s;
        if (line + 1 >= starts.length || e - p - 1 !== length) fail(`${file.path}: line ${line + 1} is not the hunk's line`);
        for (let k = 0; k < length; k++) if (text.charCodeAt(p + 1 + k) !== base.charCodeAt(s + k)) fail(`${file.path}: line ${line + 1} is not the hunk's line`);
        if (c === 32) parts.push(base.slice(s, starts[line + 1]));
        line++;
      } else if (c === 43) parts.push(text.slice(p + 1, e + 1));
      p = e + 1;
    }
    // Where else in the file its old lines fit (check-patch then asks the header's hints which
    // place is meant, or refuses: cheap next to finding them).
    const old = base.slice(from, starts[line]! - 1);
    for (let q = base.indexOf(old); q >= 0; q = base.indexOf(old, q + 1)) {
      if (q !== from && (q === 0 || base.charCodeAt(q - 1) === 10) && (q + old.length === base.length || base.charCodeAt(q + old.length) === 10)) elsewhere++;
    }
    next = line;
  }
  parts.push(base.slice(starts[next]));
  const post = Buffer.from(parts.join(''), 'utf8');
  return createHash('sha1').update(`blob ${post.length}\0`).update(post).digest('hex');
}

/** Each object `git cat-file --batch` sends for `ids`, handed to `each` as it arrives. */
function readObjects(ids: string[], each: (index: number, content: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', repo!, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let pending: Buffer = Buffer.alloc(0);
    let index = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        const nl = pending.indexOf(10);
        if (nl < 0) break;
        const size = Number(pending.toString('latin1', 0, nl).split(' ')[2]);
        if (!Number.isInteger(size)) return reject(new Error(`cat-file: ${pending.toString('latin1', 0, nl)}`));
        if (pending.length < nl + size + 2) break;
        try {
          each(index++, pending.subarray(nl + 1, nl + 1 + size));
        } catch (error) {
          child.kill();
          return reject(error);
        }
        pending = pending.subarray(nl + size + 2);
      }
    });
    child.on('error', reject);
    child.on('close', () => resolve());
    child.stdin.end(ids.map((id) => `${id}\n`).join(''));
  });
}

/** `ls-tree -r` of `tree`: object id by path. */
async function blobIds(tree: string): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const line of (await git(['ls-tree', '-r', '--full-tree', tree])).split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) ids.set(line.slice(tab + 1), line.slice(0, tab).split(' ')[2]!);
  }
  return ids;
}

async function main(): Promise<void> {
  const bytes = readFileSync(patchFile!);
  const temporary = mkdtempSync(path.join(tmpdir(), 'floor-check-patch-'));
  const env = { ...process.env, GIT_INDEX_FILE: path.join(temporary, 'index') };
  const validated = git(['read-tree', 'HEAD'], env)
    .then(() => git(['apply', '--cached', '-'], env, bytes))
    .then(() => git(['write-tree'], env))
    .then((tree) => tree.trim());
  validated.catch(() => {});
  try {
    const text = bytes.toString('utf8');
    const files = readPatch(text);
    const base = await blobIds('HEAD');
    const expected = new Map<string, string>();
    await readObjects(
      files.map((file) => base.get(file.path) ?? fail(`${file.path} is not in HEAD`)),
      (index, content) => expected.set(files[index]!.path, check(text, files[index]!, content)),
    );
    const tree = await validated.catch((error: Error) => fail(`git does not apply the patch: ${error.message.split('\n')[1] ?? error.message}`));
    const result = await blobIds(tree);
    for (const [file, id] of expected) if (result.get(file) !== id) fail(`${file}: git's result is not the post-image`);
    writeFileSync(outFile!, bytes);
    process.stderr.write(`ok: ${files.length} file(s); ${elsewhere} hunk(s) fit at another line too\n`);
  } finally {
    // Not while git may still write its index there.
    await validated.catch(() => {});
    rmSync(temporary, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  if (!(error instanceof Refused)) throw error;
  process.stderr.write(`floor-check-patch: ${error.message}\n`);
  process.exitCode = 1;
}
