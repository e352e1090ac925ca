import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { checkPatch, type CheckPatchResult } from '../../core/check-patch.js';
import type { EditFormat } from '../../diff/edit-formats/index.js';
import { canonicalJson } from '../../model/canonical-json.js';
import { OrchestratorError } from '../../errors.js';
import { visibleLine } from '../../visible-text.js';
import { jsonMode, outRaw, setResult } from '../print.js';
import { checkPatchReport } from '../json-results.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { base?: string; out?: string; report?: string; format: EditFormat }

export default async function checkPatchCommand(options: Options, command: Command): Promise<void> {
  const env = workflowEnv(command);
  const result = await checkPatch(env, {
    input: command.args[0]!,
    ...(options.base ? { base: options.base } : {}),
    format: options.format,
    readStdin: () => readFileSync(0),
  });
  const report = checkPatchReport(result, command.args[0]!);
  if (options.report) writeFileSync(path.resolve(env.cwd, options.report), canonicalJson(report));
  const ok = result.error === null;
  if (ok && options.out) writeFileSync(path.resolve(env.cwd, options.out), result.diffBytes ?? result.outcome.diff);

  setResult({ ...report, diff: ok ? result.outcome.diff : null });
  if (!jsonMode()) {
    for (const step of result.conversion?.steps ?? []) {
      const where = [step.path, step.line === undefined ? null : `reply line ${step.line}`].filter(Boolean).join(', ');
      process.stderr.write(`${visibleLine(`converted ${step.fix}${where ? ` (${where})` : ''}: ${step.message}`)}\n`);
    }
    for (const fix of result.outcome.fixes) {
      const where = [fix.file, fix.hunk === null ? null : `hunk ${fix.hunk}`].filter(Boolean).join(' ');
      process.stderr.write(`${visibleLine(`fixed ${fix.kind}${where ? ` (${where})` : ''}: ${fix.detail}`)}\n`);
    }
    if (ok && !options.out) outRaw(result.outcome.diff, result.diffBytes ?? undefined);
    const converted = result.conversion ? `converted from ${result.format} (${result.conversion.steps.length} step(s)), ` : '';
    if (ok) process.stderr.write(`ok: ${converted}validates against ${result.base.slice(0, 12)} (${result.validation?.files.length ?? 0} file(s), ${result.outcome.fixes.length} fix(es))\n`);
  }
  if (!ok) throw new OrchestratorError(refusalLine(result));
}

function refusalLine(result: CheckPatchResult): string {
  return `${whyRefused(result)}; ${nextStep(result)}`;
}

function whyRefused(result: CheckPatchResult): string {
  if (result.conversion && !result.conversion.ok) return `the reply is refused: ${result.error}`;
  const refusal = result.outcome.refusal;
  if (!refusal) return `the patch does not validate: ${result.error}`;
  const where = [refusal.file, refusal.hunk === null ? null : `hunk ${refusal.hunk}`].filter(Boolean).join(' ');
  const parts = [`${where ? `${where}: ` : ''}${refusal.reason}`];
  if (refusal.expected !== null) parts.push(`expected ${JSON.stringify(refusal.expected)}`);
  if (refusal.found !== null) parts.push(`found ${JSON.stringify(refusal.found)}`);
  if (refusal.closest) parts.push(`closest match at line ${refusal.closest.line}: ${JSON.stringify(refusal.closest.text)}`);
  return `the patch is refused: ${parts.join('; ')}`;
}

/**
 * What a person can change: the diff, or the revision it is checked against. A diff written
 * against another commit than HEAD is refused for lines that are not there (or git finds it does
 * not apply), which --base settles without touching the diff; the base it was checked against is
 * named so that is easy to see. A diff refused for what it is (no diff at all, a binary or mode
 * change) gets no such hint: another base would not change that.
 */
function nextStep(result: CheckPatchResult): string {
  const again = `correct the ${result.conversion ? 'reply' : 'diff'} and run check-patch again`;
  const refusal = result.outcome.refusal;
  // A hunk that does not fit, a file missing (or already there) at base, or git finding the patch does not apply.
  const aboutBase = result.conversion ? false : refusal ? refusal.hunk !== null || / at base\b/.test(refusal.reason) : /does not apply/.test(result.error ?? '');
  return aboutBase ? `${again}, or pass --base REV if it was written against another revision than ${result.base.slice(0, 12)}` : again;
}
