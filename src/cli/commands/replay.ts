import type { Command } from 'commander';
import { describeDifference } from '../../core/first-difference.js';
import { replayRun } from '../../core/replay.js';
import { failWith, out, setResult } from '../print.js';
import { replayJson } from '../json-results.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run: string; task?: string }

export default async function replayCommand(options: Options, command: Command): Promise<number> {
  const { report, reportPath } = await replayRun(workflowEnv(command), {
    run: options.run,
    ...(options.task ? { task: options.task } : {}),
  });
  setResult(replayJson(report, reportPath));
  for (const call of report.calls) {
    if (call.identical) out(`✅ ${call.request}: identical reply`);
    else if (call.error !== null) out(`❌ ${call.request}: the call failed: ${call.error}`);
    else {
      const { replayed, ...where } = call.first_difference!;
      out(`❌ ${call.request}: the reply differs in ${call.differs_in} ${describeDifference({ ...where, other: replayed }, 'replayed')}`);
    }
  }
  const { calls, identical, different, failed } = report.summary;
  out(`${identical} of ${calls} call(s) identical, ${different} different, ${failed} failed; report: ${reportPath}`);
  return identical === calls ? 0 : failWith(`replay: ${calls - identical} of ${calls} call(s) did not get the recorded reply (${different} different, ${failed} failed): see ${reportPath}`);
}
