import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { changeByte, completeRun, copyRun, lines } from './support/complete-run.js';
import { workspace, type Workspace } from './support/workflow-fixture.js';

/** One way of tampering with a copy of the run (its directory is `dir`), and the ❌ it must cause. */
interface TamperCase {
  name: string;
  tamper(dir: string): void;
  /** Each expected ❌ line: the exact file, then the check. */
  expect: Array<[file: string, check: string]>;
}

const auditLines = (dir: string): string[] => lines(readFileSync(path.join(dir, 'audit.log'), 'utf8'));
const writeAudit = (dir: string, rows: string[]): void => writeFileSync(path.join(dir, 'audit.log'), rows.map((row) => row + '\n').join(''));

const T001 = 'executions/T001';
const T002 = 'executions/T002/attempt-002';

const CASES: TamperCase[] = [
  {
    name: 'manifest: one byte (temperature 0 → 1)',
    tamper: (dir) => changeByte(path.join(dir, 'manifest.json'), '"temperature": 0', 15, '1'),
    expect: [['manifest.json', 'recorded sha256']],
  },
  {
    name: 'manifest: deleted',
    tamper: (dir) => unlinkSync(path.join(dir, 'manifest.json')),
    expect: [['manifest.json', 'recorded sha256'], ['manifest.json', 'manifest sha256']],
  },
  {
    name: 'spec: one byte',
    tamper: (dir) => changeByte(path.join(dir, 'spec.md'), 'Greeting', 7, 'h'),
    expect: [['spec.md', 'recorded sha256'], ['spec.md', 'manifest sha256']],
  },
  {
    name: 'spec: deleted',
    tamper: (dir) => unlinkSync(path.join(dir, 'spec.md')),
    expect: [['spec.md', 'recorded sha256'], ['spec.md', 'manifest sha256']],
  },
  {
    name: 'pack: one byte of a prompt',
    tamper: (dir) => changeByte(path.join(dir, 'pack/planner.system.txt'), ' ', 0, '_'),
    expect: [['pack/planner.system.txt', 'recorded sha256'], ['pack/planner.system.txt', 'manifest sha256']],
  },
  {
    name: 'plan: one byte of plan.json',
    tamper: (dir) => changeByte(path.join(dir, 'plan/plan.json'), 'Greet the world', 0, 'g'),
    expect: [['plan/plan.json', 'recorded sha256'], ['plan/plan.json', 'approval']],
  },
  {
    name: 'plan: plan.json deleted',
    tamper: (dir) => unlinkSync(path.join(dir, 'plan/plan.json')),
    expect: [['plan/plan.json', 'recorded sha256'], ['plan/plan.json', 'approval']],
  },
  {
    name: 'task: one byte of a task file',
    tamper: (dir) => changeByte(path.join(dir, 'tasks/T002.task.json'), '"T001"', 4, '9'),
    expect: [['tasks/T002.task.json', 'recorded sha256']],
  },
  {
    name: 'task: a task file deleted',
    tamper: (dir) => unlinkSync(path.join(dir, 'tasks/T001.task.json')),
    expect: [['tasks/T001.task.json', 'recorded sha256']],
  },
  {
    name: 'approval: one byte of the plan approval (who approved)',
    tamper: (dir) => changeByte(path.join(dir, 'plan/plan.approval.json'), 'Reviewer', 7, 's'),
    expect: [['plan/plan.approval.json', 'recorded sha256']],
  },
  {
    name: 'approval: a patch approval deleted',
    tamper: (dir) => unlinkSync(path.join(dir, `${T001}/approval.json`)),
    expect: [[`${T001}/approval.json`, 'recorded sha256']],
  },
  {
    name: 'approval: a patch changed and its approval rewritten to match',
    tamper: (dir) => {
      const patch = path.join(dir, `${T001}/artifacts/patch.diff`);
      changeByte(patch, "'world'", 1, 'W');
      const approval = JSON.parse(readFileSync(path.join(dir, `${T001}/approval.json`), 'utf8'));
      approval.subject.sha256 = sha(readFileSync(patch));
      writeFileSync(path.join(dir, `${T001}/approval.json`), JSON.stringify(approval, null, 2) + '\n');
    },
    expect: [[`${T001}/artifacts/patch.diff`, 'recorded sha256'], [`${T001}/approval.json`, 'recorded sha256'], [`${T001}/artifacts/patch.diff`, 'normalization']],
  },
  {
    name: 'approval: rewritten to approve a path outside the run',
    tamper: (dir) => {
      const file = path.join(dir, `${T001}/approval.json`);
      writeFileSync(file, readFileSync(file, 'utf8').replace(`"path": "${T001}/artifacts/patch.diff"`, '"path": "../../../etc/passwd"'));
    },
    expect: [[`${T001}/approval.json`, 'recorded sha256'], [`${T001}/approval.json`, 'approval']],
  },
  {
    name: 'raw patch: one byte of what the model wrote',
    tamper: (dir) => changeByte(path.join(dir, `${T001}/artifacts/patch.raw.diff`), "'world'", 1, 'W'),
    expect: [[`${T001}/artifacts/patch.raw.diff`, 'recorded sha256'], [`${T001}/artifacts/patch.diff`, 'normalization']],
  },
  {
    name: 'raw patch: deleted',
    tamper: (dir) => unlinkSync(path.join(dir, `${T002}/artifacts/patch.raw.diff`)),
    expect: [[`${T002}/artifacts/patch.raw.diff`, 'recorded sha256']],
  },
  {
    name: 'normalized patch: one byte of an approved patch.diff',
    tamper: (dir) => changeByte(path.join(dir, `${T002}/artifacts/patch.diff`), 'toUpperCase', 2, 'L'),
    expect: [
      [`${T002}/artifacts/patch.diff`, 'recorded sha256'],
      [`${T002}/artifacts/patch.diff`, 'approval'],
      [`${T002}/artifacts/patch.diff`, 'normalization'],
    ],
  },
  {
    name: 'normalized patch: a context line of an approved patch.diff, so it no longer applies',
    tamper: (dir) => changeByte(path.join(dir, `${T001}/artifacts/patch.diff`), ' export function greet', 20, 'T'),
    expect: [
      [`${T001}/artifacts/patch.diff`, 'recorded sha256'],
      [`${T001}/artifacts/patch.diff`, 'approval'],
      [`${T001}/artifacts/patch.diff`, 'normalization'],
      [`${T001}/artifacts/patch.diff`, 'validation'],
    ],
  },
  {
    name: 'normalized patch: an approved patch.diff deleted',
    tamper: (dir) => unlinkSync(path.join(dir, `${T001}/artifacts/patch.diff`)),
    expect: [[`${T001}/artifacts/patch.diff`, 'recorded sha256'], [`${T001}/artifacts/patch.diff`, 'approval']],
  },
  {
    name: 'request: one byte of a recorded request body',
    tamper: (dir) => changeByte(path.join(dir, `${T001}/exec.request.json`), '"temperature": 0', 15, '1'),
    expect: [[`${T001}/exec.request.json`, 'recorded sha256']],
  },
  {
    name: 'audit line: one byte of a line in the middle',
    tamper: (dir) => {
      const rows = auditLines(dir);
      rows[2] = rows[2]!.replace('"outcome":"ok"', '"outcome":"ok" ');
      writeAudit(dir, rows);
    },
    expect: [['audit.log', 'hash chain']],
  },
  {
    name: 'audit line: two lines reordered',
    tamper: (dir) => {
      const rows = auditLines(dir);
      [rows[3], rows[4]] = [rows[4]!, rows[3]!];
      writeAudit(dir, rows);
    },
    expect: [['audit.log', 'hash chain']],
  },
  {
    name: 'audit line: a line in the middle deleted',
    tamper: (dir) => writeAudit(dir, auditLines(dir).filter((_, i) => i !== 5)),
    expect: [['audit.log', 'hash chain']],
  },
  {
    name: 'audit line: the last lines cut off (the chain alone cannot see it; their files become unrecorded)',
    tamper: (dir) => writeAudit(dir, auditLines(dir).slice(0, -2)),
    expect: [[`${T002}/approval.json`, 'unrecorded']],
  },
  {
    name: 'audit log: deleted',
    tamper: (dir) => unlinkSync(path.join(dir, 'audit.log')),
    expect: [['audit.log', 'hash chain']],
  },
  {
    name: 'allowlist: one byte',
    tamper: (dir) => changeByte(path.join(dir, 'context/allowlist.json'), 'src/app.js', 4, 'A'),
    expect: [['context/allowlist.json', 'recorded sha256']],
  },
  {
    name: 'allowlist: put back to the version init wrote',
    tamper: (dir) => writeFileSync(path.join(dir, 'context/allowlist.json'), '{\n  "files": [],\n  "schema_version": 1\n}\n'),
    expect: [['context/allowlist.json', 'recorded sha256']],
  },
  {
    name: 'allowlist: deleted',
    tamper: (dir) => rmSync(path.join(dir, 'context'), { recursive: true }),
    expect: [['context/allowlist.json', 'recorded sha256']],
  },
  {
    name: 'a file slipped into the run',
    tamper: (dir) => appendFileSync(path.join(dir, 'plan/extra-notes.md'), 'approved by everyone\n'),
    expect: [['plan/extra-notes.md', 'unrecorded']],
  },
];

function sha(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

// Each case works on its own copy and verify never calls the model, so cases can run side by side.
describe('verify names the exact file and check for each kind of tampering', { concurrency: 3 }, () => {
  let ws: Workspace;
  let run: string;
  const copies: string[] = [];
  const verify = (runsDir: string) => ws.cli(['verify', '--runs-dir', runsDir, '--run', run]);

  before(async () => {
    ws = await workspace();
    run = await completeRun(ws);
  });
  after(async () => {
    for (const dir of copies) rmSync(dir, { recursive: true, force: true });
    await ws.close();
  });

  test('the untouched copy verifies: every check ✅, exit 0', async () => {
    const runsDir = copyRun(ws, run);
    copies.push(runsDir);
    const result = await verify(runsDir);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.doesNotMatch(result.stdout, /^(❌|⚠️)/m);
  });

  for (const item of CASES) {
    test(item.name, async () => {
      const runsDir = copyRun(ws, run);
      copies.push(runsDir);
      item.tamper(path.join(runsDir, run));
      const result = await verify(runsDir);
      assert.equal(result.code, 1, result.stdout + result.stderr);
      for (const [file, check] of item.expect) {
        assert.match(result.stdout, new RegExp(`^❌ ${escape(file)}: ${escape(check)}: `, 'm'), `expected ❌ ${file}: ${check}\n${result.stdout}`);
      }
    });
  }

  test('an audit line in the middle changed: the ❌ says which line breaks the chain', async () => {
    const runsDir = copyRun(ws, run);
    copies.push(runsDir);
    const dir = path.join(runsDir, run);
    const rows = auditLines(dir);
    rows[2] = rows[2]!.replace('"outcome":"ok"', '"outcome":"ok" ');
    writeAudit(dir, rows);
    const result = await verify(runsDir);
    assert.match(result.stdout, /^❌ audit\.log: hash chain: line 4's prev is [0-9a-f]{12} but line 3 hashes to [0-9a-f]{12}: line 3 was changed/m);
  });
});
