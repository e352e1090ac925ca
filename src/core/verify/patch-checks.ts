import path from 'node:path/posix';
import { withGitMemo, type GitMemo } from '../../git/memo.js';
import { applyInOnePass, buildStateTree } from '../../git/state-tree.js';
import { packLimits, type Manifest } from '../../schema/run-files.js';
import { sha256, type Run } from '../../store/run-store.js';
import { describeDifference, firstDifference } from '../first-difference.js';
import { countHunkHeaders } from '../../diff/hunk-count.js';
import type { RepairOutcome } from '../../diff/engine.js';
import type { PatchValidation } from '../../git/state-tree.js';

import { loadRunPackManifest } from '../run-pack.js';
import { repairAndValidate, runRepoName } from '../repair-and-validate.js';
import type { EditFormat } from '../../schema/run-files.js';
import { fail, pass, short, skip, type Check } from './check.js';
import { approvalEpochs, attempts, looseJson, recordedApprovedPatches, recordedContextFiles, recordedTrees, type ApprovedPatch, type Attempt, type Epoch, type PatchCheckInput, type RecordedTrees } from './patch-records.js';

export type { PatchCheckInput };

const NORMALIZATION = 'normalization';
const VALIDATION = 'validation';
const STATE_TREES = 'state trees';

/**
 * The checks that need git: each patch.diff is what the engine makes of its patch.raw.diff on
 * base + the patches approved before that attempt ran; each approved patch applies as written on
 * base + the patches approved before it, in approval order (approval time, as run-task uses).
 *
 * Both ask git much the same: an approved patch was validated on the same history when its attempt
 * ran, and attempts of one task share their state. One memo answers each question once, and the
 * checks run at once, so git's reads overlap the applies (which take turns on one index).
 */
export async function patchChecks(input: PatchCheckInput): Promise<Check[]> {
  // First with every patch applied in process from the engine's post-images, and git asked once
  // per revision whether it applies the approved patches to the same trees; where that cannot be
  // said (a patch the engine would change, git disagreeing), again as run-task did it, with git
  // applying each patch: the answer then is git's, patch by patch.
  input.memo.inProcess = true;
  // git's one pass is started first: it works on the other core while the engine works here, and
  // its processes start before this one has grown (a start copies the parent's page tables).
  const passes = onePassTexts(input);
  const byGit = passes.map((texts) => {
    if (texts === null) return null;
    const tree = applyInOnePass(input.repoRoot, input.manifest.repository.base_commit, texts, input.memo);
    tree.catch(() => {}); // awaited, and its failure reported, only where gitAgrees needs it
    return tree;
  });
  const checks = await checksWith(input);
  if (!input.memo.fellBack && (await gitAgrees(input, passes, byGit))) return checks;
  return withGitMemo(undefined, (memo) => checksWith({ ...input, memo }));
}

/** Each revision's approved patches for git's one pass, or null for a revision whose patches are missing or no longer the approved ones (left to the checks that report it). */
function onePassTexts(input: PatchCheckInput): Array<string[] | null> {
  return approvalEpochs(input).map((epoch) => {
    const approved = [...epoch.carried, ...epoch.own];
    return approved.length === 0 || approved.some((item) => item.text === null || !item.intact) ? null : approved.map((item) => item.text!);
  });
}

/**
 * Whether git, applying each revision's approved patches to the base in one pass (`byGit`, by
 * revision), writes the tree made in process for them.
 */
async function gitAgrees(input: PatchCheckInput, passes: Array<string[] | null>, byGit: Array<Promise<string | null> | null>): Promise<boolean> {
  const { repoRoot, memo } = input;
  const base = input.manifest.repository.base_commit;
  for (const [i, texts] of passes.entries()) {
    if (texts === null) continue;
    let made: string;
    try {
      made = await buildStateTree(repoRoot, base, texts, memo);
    } catch {
      continue;
    }
    if (memo.fellBack || (await byGit[i]!) !== made) return false;
  }
  return true;
}

async function checksWith(input: PatchCheckInput): Promise<Check[]> {
  const epochs = approvalEpochs(input);
  const { memo } = input;
  // The approved history in force at the end, applied in order, is the state every later attempt
  // and approval is checked on: started first, git builds it while the engine's reads run, instead
  // of once the first of them asks. Its failures are the checks' to report, in their own words.
  const last = epochs.at(-1)!;
  const current = [...last.carried, ...last.own];
  const missing = current.findIndex((item) => item.text === null);
  const texts = (missing === -1 ? current : current.slice(0, missing)).map((item) => item.text!);
  buildStateTree(input.repoRoot, input.manifest.repository.base_commit, texts, memo).catch(() => {});
  const made: EngineRuns = new Map();
  const normalization = normalizationChecks(input, epochs, memo, made);
  const validation = validationChecks(input, epochs, memo, made);
  return [...(await normalization), ...(await validation)];
}

/**
 * What the engine made of each attempt's reply, re-run by the normalization check, by the path of
 * the attempt's patch.diff: the patches in force it ran on, and the patch it made if that patch
 * validated there (else null). Filled as the attempts start, before the validation check asks.
 */
type EngineRuns = Map<string, Promise<{ before: readonly string[]; patch: string | null }>>;

async function normalizationChecks(input: PatchCheckInput, epochs: Epoch[], memo: GitMemo, made: EngineRuns): Promise<Check[]> {
  const { run, manifest, repoRoot } = input;
  const hunkLimit = runHunkLimit(run);
  let compared = 0;
  // Each attempt names the approved patches before it: each patch is hashed once, not once per attempt after it.
  const digests = new Map<ApprovedPatch, string>();
  const digest = (item: ApprovedPatch): string => {
    let hash = digests.get(item);
    if (hash === undefined) {
      hash = short(sha256(item.text!));
      digests.set(item, hash);
    }
    return hash;
  };
  const perAttempt = attempts(input).map(async (attempt): Promise<Check[]> => {
    const { files } = attempt;
    const response = looseJson(run, files.response);
    const format = attempt.raw === files.replyRaw ? replyFormat(response) : 'diff';
    if (format === null) {
      return [fail(files.replyRaw, NORMALIZATION, `exists, but ${files.response} names no whole or search-replace edit_format to convert it with`)];
    }
    if (response?.['done_reason'] === 'length') {
      // A reply cut short by num_predict is never repaired, so there must be no patch made of it.
      return run.exists(files.patch) ? [fail(files.patch, NORMALIZATION, 'exists, but the reply was cut short and is never repaired')] : [];
    }
    if (format === 'diff' && hunkLimit !== null && run.exists(files.rawPatch) && countHunkHeaders(run.readText(files.rawPatch)) > hunkLimit) {
      // Over limits.reply_hunks, run-task never gave the reply to the engine; neither does verify.
      return run.exists(files.patch) ? [fail(files.patch, NORMALIZATION, "exists, but the reply has more hunks than the pack's limits.reply_hunks and is never repaired")] : [];
    }
    if (attempt.line === null) {
      return [fail(attempt.raw, NORMALIZATION, 'cannot tell which approved patches it was made on: no audit.log line wrote it')];
    }
    const epoch = [...epochs].reverse().find((candidate) => candidate.line < attempt.line!)!;
    const before = inForceAt(epoch, attempt.line);
    // Built on a patch that is no longer the one approved, the re-made patch would only repeat
    // that failure (already reported by the approval check) in other words.
    const broken = before.find((item) => !item.intact);
    if (broken) {
      return [skip(files.patch, NORMALIZATION, `skipped: it was made on ${broken.path}, which is not the patch that was approved`)];
    }
    const checks: Check[] = [];
    // Compared entry by entry, not as one line each: at task 100, a line of a hundred patches for each attempt.
    const recorded = recordedApprovedPatches(response);
    const recordedAsRun = recorded !== null && recorded.length === before.length && recorded.every((item, i) => item.task === before[i]!.task && item.sha256 === digest(before[i]!));
    if (recorded !== null && !recordedAsRun) {
      const listed = (items: Array<{ task: string; sha256: string }>) => items.map((item) => `${item.task}:${item.sha256}`).join(', ');
      checks.push(fail(files.response, NORMALIZATION, `records validation on [${listed(recorded)}], but the patches approved before this attempt are [${listed(before.map((item) => ({ task: item.task, sha256: digest(item) })))}]`));
    }
    const trees = recordedAsRun ? recordedTrees(response) : null;
    const texts = before.map((item) => item.text!);
    const engineRun = compareWithEngine(run, manifest, repoRoot, attempt, format, texts, recordedContextFiles(response), trees, memo);
    made.set(files.patch, engineRun.then(({ patch }) => ({ before: texts, patch })));
    checks.push(...(await engineRun).checks);
    compared++;
    return checks;
  });
  // Reported in attempt order, whichever finished first.
  const checks = (await Promise.all(perAttempt)).flat();
  if (!checks.some((check) => check.level === 'fail')) {
    const what = `the engine, re-run on ${compared} patch.raw.diff or reply.raw.txt file(s), gives the recorded patch.diff byte for byte`;
    checks.push(pass('patches', NORMALIZATION, `${what} (repository ${repoRoot})`));
  }
  return checks;
}

/**
 * The approvals of `epoch` in force at audit line `line`: the ones it carried over, then its own
 * approved before that line. Its own are in approval order, which is normally the order of their
 * lines: then they are a prefix, found by a binary search and copied at once, where filtering them
 * for each attempt walked a hundred approvals per attempt at task 100.
 */
function inForceAt(epoch: Epoch, line: number): ApprovedPatch[] {
  const { own } = epoch;
  let ordered = inLineOrder.get(epoch);
  if (ordered === undefined) {
    ordered = own.every((item, i) => item.line !== null && (i === 0 || item.line > own[i - 1]!.line!));
    inLineOrder.set(epoch, ordered);
  }
  if (!ordered) return [...epoch.carried, ...own.filter((item) => item.line !== null && item.line < line)];
  let low = 0;
  let high = own.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (own[middle]!.line! < line) low = middle + 1;
    else high = middle;
  }
  return epoch.carried.concat(own.slice(0, low));
}
const inLineOrder = new WeakMap<Epoch, boolean>();

/** The run's own pack copy says how many hunks run-task gave the engine; null if it cannot be read (reported by the pack check). */
function runHunkLimit(run: Run): number | null {
  try {
    return packLimits(loadRunPackManifest(run)).reply_hunks;
  } catch {
    return null;
  }
}

async function compareWithEngine(
  run: Run,
  manifest: Manifest,
  repoRoot: string,
  attempt: Attempt,
  format: EditFormat,
  before: string[],
  visible: string[] | null,
  trees: RecordedTrees | null,
  memo: GitMemo,
): Promise<{ checks: Check[]; patch: string | null }> {
  const { files } = attempt;
  let outcome;
  let validation;
  try {
    const reply = run.readText(attempt.raw);
    const base = manifest.repository.base_commit;
    // A converted reply was always made with the list of files shown (context_files): none means every one was hidden.
    // The converters are loaded only for such a reply: they bring the diff library, which a run of diffs never needs.
    ({ outcome, validation } =
      format === 'diff'
        ? await repairAndValidate(repoRoot, base, before, reply, runRepoName(manifest), memo, visible)
        : await (await import('../edit-format/convert-attempt.js')).convertAttemptReply(repoRoot, base, before, reply, format, runRepoName(manifest), memo, visible ?? []));
  } catch (error) {
    return { checks: [fail(files.patch, NORMALIZATION, `the engine could not be re-run: ${(error as Error).message}`)], patch: null };
  }
  return { checks: engineChecks(run, attempt, outcome, validation, trees, memo), patch: outcome.ok && validation?.ok ? outcome.diff : null };
}

/** The recorded patch.diff and trees against what the engine made of the attempt's reply. */
function engineChecks(run: Run, attempt: Attempt, outcome: RepairOutcome, validation: PatchValidation | null, trees: RecordedTrees | null, memo: GitMemo): Check[] {
  const { files } = attempt;
  const name = path.basename(attempt.raw);
  const recorded = run.exists(files.patch) ? run.readBytes(files.patch) : null;
  if (!outcome.ok) {
    return recorded === null ? [] : [fail(files.patch, NORMALIZATION, `exists, but the engine now refuses ${name}: ${outcome.error ?? 'no diff'}`)];
  }
  if (recorded === null) return [fail(files.patch, NORMALIZATION, `missing, but the engine makes a patch of ${name}`)];
  const difference = firstDifference(recorded, Buffer.from(outcome.diff, 'utf8'));
  if (difference) return [fail(files.patch, NORMALIZATION, `is not what the engine makes of ${name}: first difference ${describeDifference(difference, 'engine')}`)];
  // run-task and approve-task start from the tree an approved attempt recorded (approved-state.ts):
  // each recorded tree must be the one proved here from the base.
  if (trees !== null && validation?.ok && (validation.state_tree !== trees.state || validation.result_tree !== trees.result)) {
    // Trees made in process that differ from the ones git recorded: git's word, patch by patch, decides.
    if (memo.inProcess) memo.fellBack = true;
    return [
      fail(
        files.response,
        STATE_TREES,
        `records state_tree ${short(trees.state)} and result_tree ${short(trees.result)}, but the base and the patches before it give ${short(validation.state_tree!)}, and its patch ${short(validation.result_tree!)}`,
      ),
    ];
  }
  return [];
}

/** The format a reply.raw.txt was written in, as its exec.response.json records it; null when it names none that converts. */
function replyFormat(response: Record<string, unknown> | null): Exclude<EditFormat, 'diff'> | null {
  const format = response?.['edit_format'];
  return format === 'whole' || format === 'search-replace' ? format : null;
}

async function validationChecks(input: PatchCheckInput, epochs: Epoch[], memo: GitMemo, made: EngineRuns): Promise<Check[]> {
  const checks: Check[] = [];
  let count = 0;
  // Each period's approvals were validated on each other; the same patch in two periods is applied
  // once per state, through the memo.
  for (const epoch of epochs) {
    const approved = [...epoch.carried, ...epoch.own];
    if (approved.length === 0) continue;
    count += approved.length;
    const problem = await validateSequence(input, approved, memo, made);
    if (problem) checks.push(problem);
  }
  const base = input.manifest.repository.base_commit;
  if (checks.length > 0) return checks;
  return [pass('approved patches', VALIDATION, `${count} approved patch(es) apply as written on base ${short(base)}, in approval order`)];
}

async function validateSequence({ manifest, repoRoot }: PatchCheckInput, approved: ApprovedPatch[], memo: GitMemo, made: EngineRuns): Promise<Check | null> {
  const base = manifest.repository.base_commit;
  const missing = approved.findIndex((item) => item.text === null);
  const checkable = missing === -1 ? approved : approved.slice(0, missing);
  const texts = checkable.map((item) => item.text!);
  // All at once (the memo builds each shared state once); reported up to the first that fails.
  const problems = await Promise.all(checkable.map(async (item, k): Promise<string | null> => {
    const prior = texts.slice(0, k);
    // The engine re-run on the attempt's reply, on these same patches, made exactly this patch and
    // validated it: git applied it (or it was applied from its post-images, which git's one pass
    // checks) on this state. Running the engine on it again would only ask whether the engine
    // changes its own output.
    const attempt = await made.get(item.path);
    if (attempt !== undefined && attempt.patch === item.text && sameTexts(attempt.before, prior)) return null;
    try {
      const check = await repairAndValidate(repoRoot, base, prior, item.text!, runRepoName(manifest), memo);
      const fixes = [...new Set(check.outcome.fixes.map((fix) => fix.kind))];
      return check.error ?? (fixes.length > 0 ? `it would need ${fixes.join(', ')}` : null);
    } catch (error) {
      return (error as Error).message;
    }
  }));
  for (const [k, item] of approved.entries()) {
    if (item.text === null) return fail(item.path, VALIDATION, 'missing: an approved patch; the patches approved after it cannot be checked either');
    const problem = problems[k]!;
    // Past the first patch that fails, the state the later ones build on is unknown.
    if (problem) {
      const prior = approved.slice(0, k);
      const onto = `base ${short(base)}${prior.length > 0 ? ` + ${prior.map((p) => p.task).join(' + ')}` : ''}`;
      return fail(item.path, VALIDATION, `the approved patch no longer applies as written on ${onto}: ${problem}`);
    }
  }
  return null;
}

function sameTexts(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((text, i) => text === b[i]);
}
