import { WorkflowError } from '../errors.js';
import { SCHEMA_VERSION, type Manifest } from '../schema/run-files.js';
import type { Run } from '../store/run-store.js';
import { firstDifference, type FirstDifference } from './first-difference.js';
import { attemptFiles, planFiles } from './layout.js';
import { readRecordedManifest } from './recorded-files.js';
import { checkModelDigest } from './model-digest.js';
import { runBaseUrl } from './server-url.js';
import { audited, openStoreAnywhere } from './session.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface ReplayOptions {
  run: string;
  /** Only this task's executor calls. */
  task?: string;
}

type Role = 'planner' | 'executor';

/** One recorded call: its request body and what the model answered then. */
interface RecordedCall {
  role: Role;
  request: string;
  content: string;
  thinking: string;
  response: string;
}

export interface ReplayCall {
  request: string;
  role: Role;
  identical: boolean;
  /** The first part of the reply that differs, checked in this order. */
  differs_in: 'content' | 'thinking' | 'done_reason' | null;
  first_difference: (Omit<FirstDifference, 'other'> & { replayed: string }) | null;
  /** Why the call failed (server down, HTTP error …); null when it answered. */
  error: string | null;
}

export interface ReplayReport {
  schema_version: typeof SCHEMA_VERSION;
  run_id: string;
  replayed_at: string;
  provider: Manifest['provider'];
  base_url: string;
  task: string | null;
  models: Record<Role, { name: string; recorded_digest: string | null; current_digest: string | null } | null>;
  calls: ReplayCall[];
  summary: { calls: number; identical: number; different: number; failed: number };
}

/**
 * Sends every recorded request body again, byte for byte, and compares each reply with the
 * recorded one. Writes only its report (replays/…json) and its audit line: the run's record of
 * what happened stays as it was.
 */
export async function replayRun(env: WorkflowEnv, options: ReplayOptions): Promise<{ report: ReplayReport; reportPath: string }> {
  const { store } = await openStoreAnywhere(env);
  const run = store.openRun(options.run);
  // --base-url (another server than the manifest's) comes through env and is recorded by audited.
  const args = { run: options.run, task: options.task };
  return audited(run, env, 'replay', args, async (record) => {
    const manifest = readRecordedManifest(run);
    const calls = recordedCalls(run, options.task);
    const baseUrl = runBaseUrl(env.baseUrl, manifest);
    const provider = await env.createProvider(manifest.provider, baseUrl);

    // Every model is checked before the first call, so a changed model sends nothing.
    const models: ReplayReport['models'] = { planner: null, executor: null };
    for (const role of ['planner', 'executor'] as const) {
      if (!calls.some((call) => call.role === role)) continue;
      const recorded = manifest.models[role];
      const { current, note } = await checkModelDigest(provider, role, recorded, env.allowModelChange === true);
      if (note) {
        record.warnings.push(note.message);
        if (note.changed) env.onWarning?.(note.message);
      }
      models[role] = { name: recorded.name, recorded_digest: recorded.digest, current_digest: current };
    }

    const results: ReplayCall[] = [];
    for (const call of calls) {
      const body = run.readBytes(call.request);
      const text = body.toString('utf8');
      if (!Buffer.from(text, 'utf8').equals(body)) {
        results.push(failed(call, 'the request file is not valid UTF-8, so it cannot be sent byte for byte'));
        continue;
      }
      const watch = env.watchModelCall?.(manifest.models[call.role].name);
      try {
        const result = await provider.sendChat(text, {
          timeoutMs: manifest.timeout_ms,
          ...(env.signal ? { signal: env.signal } : {}),
          ...(watch ? { onProgress: (progress) => watch.onProgress(progress) } : {}),
        });
        results.push(compare(run, call, result));
      } catch (error) {
        results.push(failed(call, (error as Error).message));
      } finally {
        watch?.end();
      }
    }

    const now = env.now();
    const report: ReplayReport = {
      schema_version: SCHEMA_VERSION,
      run_id: run.id,
      replayed_at: now.toISOString(),
      provider: manifest.provider,
      base_url: baseUrl,
      task: options.task ?? null,
      models,
      calls: results,
      summary: {
        calls: results.length,
        identical: results.filter((call) => call.identical).length,
        different: results.filter((call) => !call.identical && call.error === null).length,
        failed: results.filter((call) => call.error !== null).length,
      },
    };
    const reportPath = reportFile(run, now);
    run.writeJson(reportPath, report);
    return { report, reportPath };
  });
}

/** The run's requests in the order they were made: plan revisions, then each task's attempts. */
function recordedCalls(run: Run, task: string | undefined): RecordedCall[] {
  const calls: Array<RecordedCall & { key: string }> = [];
  for (const file of run.listAllFiles().files) {
    const plan = /^plan\/(?:rev-(\d+)\/)?plan\.request\.json$/.exec(file);
    if (plan && task === undefined) {
      const revision = plan[1] ? Number(plan[1]) : 1;
      const files = planFiles(revision);
      if (files.request !== file) continue;
      calls.push({ role: 'planner', request: file, content: textOr(run, files.raw), thinking: textOr(run, files.thinking), response: files.response, key: `0 ${pad(revision)}` });
    }
    const exec = /^(executions(?:\/rev-\d+)?)\/([^/]+)\/(?:attempt-(\d+)\/)?exec\.request\.json$/.exec(file);
    if (exec && (task === undefined || exec[2] === task)) {
      const attempt = exec[3] ? Number(exec[3]) : 1;
      const files = attemptFiles(exec[2]!, attempt, exec[1]);
      if (files.request !== file) continue;
      // `executions` sorts before `executions/rev-NNN`: earlier revisions' attempts first.
      calls.push({ role: 'executor', request: file, content: textOr(run, run.exists(files.replyRaw) ? files.replyRaw : files.rawPatch), thinking: textOr(run, files.thinking), response: files.response, key: `1 ${exec[1]} ${exec[2]} ${pad(attempt)}` });
    }
  }
  if (calls.length === 0) {
    throw new WorkflowError(task ? `run ${run.id} has no recorded request for ${task}: run-task records one per attempt` : `run ${run.id} has no recorded model request: nothing to replay`);
  }
  return calls.sort((a, b) => (a.key < b.key ? -1 : 1)).map(({ key: _key, ...call }) => call);
}

const pad = (n: number): string => String(n).padStart(6, '0');

function textOr(run: Run, rel: string): string {
  return run.exists(rel) ? run.readText(rel) : '';
}

function compare(run: Run, call: RecordedCall, result: { content: string; thinking: string; done_reason: string | null }): ReplayCall {
  const parts: Array<[ReplayCall['differs_in'], string, string]> = [
    ['content', call.content, result.content],
    ['thinking', call.thinking, result.thinking],
    ['done_reason', String(recordedDoneReason(run, call.response)), String(result.done_reason)],
  ];
  for (const [part, recorded, replayed] of parts) {
    const difference = firstDifference(Buffer.from(recorded, 'utf8'), Buffer.from(replayed, 'utf8'));
    if (difference) {
      const { other, ...where } = difference;
      return { request: call.request, role: call.role, identical: false, differs_in: part, first_difference: { ...where, replayed: other }, error: null };
    }
  }
  return { request: call.request, role: call.role, identical: true, differs_in: null, first_difference: null, error: null };
}

/** done_reason from the recorded response, read loosely: verify, not replay, judges the file. */
function recordedDoneReason(run: Run, rel: string): string | null {
  try {
    const value = JSON.parse(run.readText(rel)) as { done_reason?: unknown };
    return typeof value.done_reason === 'string' ? value.done_reason : null;
  } catch {
    return null;
  }
}

function failed(call: RecordedCall, error: string): ReplayCall {
  return { request: call.request, role: call.role, identical: false, differs_in: null, first_difference: null, error };
}

/** replays/YYYYMMDD-HHMMSS.json in local time (like run ids), -2, -3 … when taken. */
function reportFile(run: Run, date: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
  for (let n = 1; ; n++) {
    const rel = `replays/${stamp}${n === 1 ? '' : `-${n}`}.json`;
    if (!run.exists(rel)) return rel;
  }
}
