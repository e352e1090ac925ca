import { OrchestratorError, UsageError, WorkflowError } from '../errors.js';
import { resolveRevision } from '../git/repository.js';
import { requireAllowedBaseUrl } from '../model/base-url.js';
import { recordedModelName } from '../model/embedded/model-file.js';
import { TOOL_NAME, TOOL_VERSION } from '../package-info.js';
import { planTasks } from '../schema/plan.js';
import { Allowlist, Manifest, PlanResponse, SCHEMA_VERSION, type EditFormat, type PlanImport } from '../schema/run-files.js';
import { choosePack } from './edit-format/choose-pack.js';
import { sha256 } from '../store/run-store.js';
import { selectCarried, type CarryCandidate } from './carry-over.js';
import type { InitResult } from './init.js';
import { packRecord, runIdBase } from './init.js';
import { ALLOWLIST, importedPatch, MANIFEST, PACK_DIR, PLAN_IMPORT, planFiles, SPEC, taskFile } from './layout.js';
import { readRecordedJson, readRecordedManifest } from './recorded-files.js';
import { renderPlanMarkdown } from './render.js';
import { loadRunPack } from './run-pack.js';
import { approvedOf, loadSnapshot, revisionTasks } from './run-snapshot.js';
import { runRepoName } from './repair-and-validate.js';
import { audited, openStore } from './session.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface InitFromOptions {
  from: string;
  plannerModel?: string;
  executorModel?: string;
  pack?: string;
  numCtx?: number;
  numPredict?: number;
  /** `--edit-format`: the shipped pack of that format, as if given with --pack. */
  editFormat?: EditFormat;
}

/**
 * `init --from RUN`: a new run on the source run's spec, base commit and context, with its current
 * plan imported as revision 1 (approved again here, no model call) and the approved patches of
 * unchanged tasks copied in, each validated again on base + the ones copied before it. Models,
 * pack and num_ctx/num_predict may change; nothing else does. The source run is only read: its
 * audit log records nothing, so its files stay byte for byte as they were.
 */
export interface InitFromResult extends InitResult {
  /** One per approved patch of the source run that is not carried over, with the reason. */
  warnings: string[];
}

export async function initFromRun(env: WorkflowEnv, options: InitFromOptions): Promise<InitFromResult> {
  for (const [flag, value] of [['--num-ctx', options.numCtx], ['--num-predict', options.numPredict]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value <= 0)) throw new UsageError(`${flag} must be a positive whole number of tokens`);
  }
  const { repoRoot, store } = await openStore(env);
  const source = store.openRun(options.from);
  // Only as the source run's audit log recorded them: an edited manifest or allowlist is not carried into a new run.
  const sourceManifest = readRecordedManifest(source);
  const spec = source.readBytes(SPEC);
  if (sha256(spec) !== sourceManifest.spec.sha256) {
    throw new WorkflowError(`${SPEC} of run ${source.id} no longer matches its manifest: run \`verify --run ${source.id}\` and restore the run first`);
  }
  const snapshot = loadSnapshot(source);
  const current = snapshot.current;
  if (!current?.plan || !current.planSha256) throw new WorkflowError(`run ${source.id} has no valid plan to import: run \`plan --run ${source.id}\` first, or start afresh with \`init --spec\``);
  const base = sourceManifest.repository.base_commit;
  if (sourceManifest.repository.base_kind === 'commit') {
    try {
      await resolveRevision(repoRoot, `${base}^{commit}`);
    } catch {
      throw new OrchestratorError(`this repository (${repoRoot}) has no commit ${base.slice(0, 12)}, run ${source.id}'s base: run init --from inside the repository the run was made in`);
    }
  }

  const chosen = options.pack !== undefined || options.editFormat !== undefined ? choosePack(env.cwd, options.pack, options.editFormat) : null;
  const pack = chosen ?? loadRunPack(source);
  // Without --pack the run's parameters are the source run's (which may carry overrides of its own).
  const overrides = { ...(options.numCtx === undefined ? {} : { num_ctx: options.numCtx }), ...(options.numPredict === undefined ? {} : { num_predict: options.numPredict }) };
  const generation = { ...(chosen ? pack.manifest.generation : sourceManifest.generation), ...overrides };

  const { provider } = sourceManifest;
  const embedded = provider === 'embedded';
  const allowRemote = sourceManifest.allow_remote === true;
  if (!embedded) requireAllowedBaseUrl(sourceManifest.base_url, allowRemote, `run ${source.id} was made with --allow-remote`);
  const name = (given: string | undefined, recorded: string): string => (given === undefined ? recorded : embedded ? recordedModelName(given, env.cwd) : given);
  const plannerModel = name(options.plannerModel, sourceManifest.models.planner.name);
  const executorModel = name(options.executorModel, sourceManifest.models.executor.name);
  // Digests are looked up anew: the models may have been pulled again since the source run.
  const client = await env.createProvider(provider, sourceManifest.base_url);
  const serverVersion = await client.serverVersion();
  const planner = await client.showModel(plannerModel);
  const executor = executorModel === plannerModel ? planner : await client.showModel(executorModel);

  // The approvals in force in the source run's latest approved revision, offered for unchanged tasks.
  const approvedRevision = snapshot.revisions.filter((item) => item.plan && item.approval?.decision === 'approved').at(-1);
  const candidates: CarryCandidate[] = [];
  if (approvedRevision) {
    const tasks = revisionTasks(source, approvedRevision);
    const definitions = new Map(tasks.map((task) => [task.task.id, task.task]));
    for (const entry of approvedOf(tasks)) {
      candidates.push({
        task: entry.taskId,
        definition: definitions.get(entry.taskId) ?? null,
        bytes: source.readBytes(entry.path),
        sha256: entry.sha256,
        path: importedPatch(entry.taskId),
        // Where it is approved in the source run (a patch that run carried over is named by its path there).
        source: { run_id: source.id, plan_revision: approvedRevision.revision, path: entry.path },
      });
    }
  }
  const git = { repoRoot, base, repoName: runRepoName(sourceManifest) };
  const selected = await selectCarried(git, current.plan, candidates);

  const createdAt = env.now();
  const manifest = (id: string): Manifest => ({
    schema_version: SCHEMA_VERSION,
    run_id: id,
    created_at: createdAt.toISOString(),
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    spec: sourceManifest.spec,
    repository: { root: repoRoot, base_commit: base, base_kind: sourceManifest.repository.base_kind },
    provider,
    base_url: sourceManifest.base_url,
    ...(allowRemote ? { allow_remote: true } : {}),
    server: { version: serverVersion },
    models: { planner, executor },
    pack: packRecord(pack),
    generation,
    timeout_ms: pack.manifest.timeout_ms,
    from_run: { run_id: source.id, manifest_sha256: sha256(source.readBytes(MANIFEST)) },
    ...(Object.keys(overrides).length > 0 ? { generation_overrides: overrides } : {}),
    // The checks a person declared for the source run stay declared.
    ...(sourceManifest.checks ? { checks: sourceManifest.checks } : {}),
    ...(sourceManifest.check_links ? { check_links: sourceManifest.check_links } : {}),
  });

  const sourcePlanFiles = planFiles(current.revision);
  const planBytes = source.readBytes(sourcePlanFiles.plan);
  const sourceResponse = source.readJson(sourcePlanFiles.response, PlanResponse);
  const warnings = selected.dropped.map((item) => `${item.task}'s approved patch in run ${source.id} is not carried over: ${item.reason}`);
  const args = {
    from: source.id,
    planner_model: options.plannerModel,
    executor_model: options.executorModel,
    pack: options.pack,
    edit_format: options.editFormat,
    num_ctx: options.numCtx,
    num_predict: options.numPredict,
  };
  // Built in a hidden folder and moved into place whole: a failed init leaves no half-made run.
  const { run } = await store.buildRun(runIdBase(createdAt, sourceManifest.spec.file), (run) =>
    audited(run, env, 'init', args, async (record) => {
      record.warnings.push(...warnings);
      run.writeText(SPEC, spec);
      for (const [file, bytes] of pack.files) run.writeText(`${PACK_DIR}/${file}`, bytes);
      readRecordedJson(source, ALLOWLIST, Allowlist);
      run.writeText(ALLOWLIST, source.readBytes(ALLOWLIST));
      const files = planFiles(1);
      const plan = current.plan!;
      const response: PlanResponse = {
        schema_version: SCHEMA_VERSION,
        revision: 1,
        // The model that wrote the plan, in the source run; imported_from says no model was asked here.
        model: sourceResponse.model,
        raw: planBytes.toString('utf8'),
        thinking: '',
        done_reason: null,
        stats: { prompt_tokens: null, completion_tokens: null, total_duration_ns: null },
        fixes: [],
        parsed: plan,
        parse_error: null,
        validation: { ok: true, errors: [] },
        imported_from: { run_id: source.id, plan_revision: current.revision, plan_sha256: current.planSha256! },
      };
      run.writeJson(files.response, response);
      // Byte for byte, so its sha256 is the one the source run approved or reviewed.
      const planArtifact = run.writeText(files.plan, planBytes);
      for (const task of planTasks(plan)) {
        const { milestone, ...fields } = task;
        run.writeJson(taskFile(1, task.id), { schema_version: SCHEMA_VERSION, plan_revision: 1, plan_sha256: planArtifact.sha256, milestone, task: fields });
      }
      try {
        run.writeText(files.markdown, renderPlanMarkdown(plan, 1, planArtifact.sha256));
      } catch (error) {
        record.warnings.push(`could not render ${files.markdown}: ${(error as Error).message}`);
      }
      const imported: PlanImport = {
        schema_version: SCHEMA_VERSION,
        from: { run_id: source.id, manifest_sha256: manifest(run.id).from_run!.manifest_sha256, plan_revision: current.revision, plan_sha256: current.planSha256! },
        patches: selected.carried.map((item) => {
          const candidate = candidates.find((entry) => entry.task === item.task)!;
          run.writeText(item.path, candidate.bytes);
          return { task: item.task, path: item.path, sha256: item.sha256, source: { plan_revision: item.source.plan_revision, path: item.source.path } };
        }),
        dropped: selected.dropped,
      };
      run.writeJson(PLAN_IMPORT, imported);
      // The manifest last: a run without one is not a run, so a crash before here leaves nothing that loads.
      run.writeJson(MANIFEST, manifest(run.id));
    }),
  );
  return { runId: run.id, runDir: run.dir, manifest: manifest(run.id), warnings };
}
