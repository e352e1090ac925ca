import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { runs } from './support/fc-seed.js';
import { rawReplyRefusal } from '../src/core/patch-policy.js';
import { parsePlanReply } from '../src/core/plan-reply.js';
import { secretReason } from '../src/core/secret-files.js';
import { filesNeeded, repairReply } from '../src/diff/engine.js';
import { OrchestratorError } from '../src/errors.js';
import { validatePlan } from '../src/schema/plan.js';
import { Allowlist, Approval, AuditEntry, ExecResponse, Manifest, PlanResponse, TaskFile } from '../src/schema/run-files.js';
import { Run } from '../src/store/run-store.js';

/** Text shaped like what the parsers read: diff lines, JSON fragments, fences, junk. */
const piece = fc.oneof(
  fc.constantFrom('diff --git a/x b/x', '--- a/x', '+++ b/x', '--- /dev/null', '@@ -1,2 +1,2 @@', '@@ -0,0 +1 @@', ' ctx', '-old', '+new', '```diff', '```', 'GIT binary patch', 'new file mode 100755', '\\ No newline at end of file', '{', '}', '"schema_version": 1', '[', ']', '<think>', '</think>', 'null', '\r'),
  fc.string({ maxLength: 40 }),
);
const untrusted = fc.array(piece, { maxLength: 30 }).map((parts) => parts.join('\n'));

/** Only the tool's own typed errors may escape. */
function ownErrorsOnly(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof OrchestratorError)) throw error;
  }
}

test('plan replies: parsing and validation never throw', () => {
  fc.assert(
    fc.property(fc.oneof(untrusted, fc.json()), (text) => {
      const parsed = parsePlanReply(text);
      if (parsed.error === null) ownErrorsOnly(() => validatePlan(parsed.value));
    }),
    { numRuns: runs(400) },
  );
});

test('model diffs: the engine and the patch policy never throw anything but typed errors', () => {
  const files = { get: (file: string) => (file === 'x' ? Buffer.from('old\nctx\n') : undefined) };
  fc.assert(
    fc.property(untrusted, (text) => {
      ownErrorsOnly(() => filesNeeded(text, { repoName: 'repo' }));
      ownErrorsOnly(() => repairReply(text, files as never, { repoName: 'repo' }));
      rawReplyRefusal(text);
      secretReason(text, Buffer.from(text));
    }),
    { numRuns: runs(400) },
  );
});

const dir = mkdtempSync(path.join(tmpdir(), 'fuzz-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('run files and allowlists: any bytes are read as a RunFileError, never a crash', () => {
  const run = new Run('fuzz', dir);
  const schemas = [Manifest, Allowlist, ExecResponse, Approval, PlanResponse, TaskFile, AuditEntry];
  const content = fc.oneof(untrusted, fc.json(), fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')));
  fc.assert(
    fc.property(content, fc.constantFrom(...schemas), (text, schema) => {
      writeFileSync(path.join(dir, 'file.json'), text);
      try {
        run.readJson('file.json', schema);
      } catch (error) {
        assert.ok(error instanceof OrchestratorError, String(error));
      }
    }),
    { numRuns: runs(400) },
  );
});
