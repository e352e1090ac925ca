import { readPersonFile } from '../files/person-files.js';
import path from 'node:path';
import { OrchestratorError, UsageError } from '../errors.js';
import { EMPTY_TREE, headCommit } from '../git/repository.js';
import { requireAllowedBaseUrl, resolveBaseUrl } from '../model/base-url.js';
import { IN_PROCESS } from '../model/embedded/embedded-provider.js';
import { recordedModelName } from '../model/embedded/model-file.js';
import { TOOL_NAME, TOOL_VERSION } from '../package-info.js';
import type { Pack } from '../pack/load-pack.js';
import { overLimit, packLimits, SCHEMA_VERSION, type EditFormat, type Manifest } from '../schema/run-files.js';
import { choosePack } from './edit-format/choose-pack.js';
import { sha256 } from '../store/run-store.js';
import { ALLOWLIST, MANIFEST, PACK_DIR, SPEC } from './layout.js';
import { runsDirAdvice } from './runs-dir-advice.js';
import { audited, openStore } from './session.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface InitOptions {
  spec: string;
  plannerModel: string;
  executorModel: string;
  provider?: string;
  baseUrl?: string;
  pack?: string;
  /** `--allow-remote`: a model server that is not on this machine (recorded in the manifest). */
  allowRemote?: boolean;
  /** `--check CMD` (repeatable): commands run on every validated patch, after the pack's own. */
  checks?: string[];
  /** `--edit-format`: the shipped pack of that format (or, with --pack, the format that pack must have). */
  editFormat?: EditFormat;
}

export interface InitResult {
  runId: string;
  runDir: string;
  manifest: Manifest;
  /** Said to the person, not recorded in the run: advice about the repository (runs-dir-advice.ts). */
  warnings: string[];
}

/**
 * Fixes everything a run depends on before any model is asked anything. The model server is
 * asked first, so a server that is down or a missing model leaves no half-made run behind.
 */
export async function initRun(env: WorkflowEnv, options: InitOptions): Promise<InitResult> {
  const provider = parseProvider(options.provider);
  const specPath = path.resolve(env.cwd, options.spec);
  const spec = readSpec(specPath);
  const pack = choosePack(env.cwd, options.pack, options.editFormat);
  const { spec_bytes } = packLimits(pack.manifest);
  if (spec.length > spec_bytes) throw new OrchestratorError(overLimit(`spec ${options.spec}`, spec.length, 'spec_bytes', spec_bytes));
  const { repoRoot, store } = await openStore(env);
  const head = await headCommit(repoRoot);

  const embedded = provider === 'embedded';
  if (embedded && options.baseUrl !== undefined) throw new UsageError('--base-url does not apply to --provider embedded: the model runs inside this process');
  const baseUrl = embedded ? IN_PROCESS : resolveBaseUrl(options.baseUrl, env.env);
  const allowRemote = options.allowRemote === true;
  if (!embedded) requireAllowedBaseUrl(baseUrl, allowRemote, 'init is given --allow-remote');
  // An embedded model given as a path is recorded absolute: later commands may run elsewhere.
  const plannerModel = embedded ? recordedModelName(options.plannerModel, env.cwd) : options.plannerModel;
  const executorModel = embedded ? recordedModelName(options.executorModel, env.cwd) : options.executorModel;
  const client = await env.createProvider(provider, baseUrl);
  const serverVersion = await client.serverVersion();
  const planner = await client.showModel(plannerModel);
  const executor = executorModel === plannerModel ? planner : await client.showModel(executorModel);

  const createdAt = env.now();
  const manifest = (id: string): Manifest => ({
    schema_version: SCHEMA_VERSION,
    run_id: id,
    created_at: createdAt.toISOString(),
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    spec: { file: path.basename(specPath), sha256: sha256(spec), bytes: spec.length },
    repository: { root: repoRoot, base_commit: head ?? EMPTY_TREE, base_kind: head ? 'commit' : 'empty-tree' },
    provider,
    base_url: baseUrl,
    ...(allowRemote ? { allow_remote: true } : {}),
    server: { version: serverVersion },
    models: { planner, executor },
    pack: packRecord(pack),
    generation: pack.manifest.generation,
    timeout_ms: pack.manifest.timeout_ms,
    ...checksRecord(pack, options.checks ?? []),
  });

  const args = {
    spec: options.spec,
    planner_model: options.plannerModel,
    executor_model: options.executorModel,
    provider,
    base_url: baseUrl,
    pack: options.pack,
    edit_format: options.editFormat,
    allow_remote: allowRemote ? true : undefined,
    check: options.checks && options.checks.length > 0 ? options.checks : undefined,
  };
  // Built in a hidden folder and moved into place whole: a failed init leaves no half-made run.
  const { run } = await store.buildRun(runIdBase(createdAt, specPath), (run) =>
    audited(run, env, 'init', args, async () => {
      run.writeText(SPEC, spec);
      // The run keeps its own copy of the prompts, so it reads the same prompts next month even
      // after the tool (and its shipped pack) is upgraded.
      for (const [name, bytes] of pack.files) run.writeText(`${PACK_DIR}/${name}`, bytes);
      run.writeJson(ALLOWLIST, { schema_version: SCHEMA_VERSION, files: [] });
      // The manifest last: a run without one is not a run, so a crash before here leaves nothing that loads.
      run.writeJson(MANIFEST, manifest(run.id));
    }),
  );
  const advice = await runsDirAdvice(repoRoot, store, run.dir);
  return { runId: run.id, runDir: run.dir, manifest: manifest(run.id), warnings: advice ? [advice] : [] };
}

/**
 * The checks a run records: the pack's, then the person's `--check`s. Only a person writes either
 * (a pack is a file a person chose); nothing a model or a plan says ever becomes one.
 */
export function checksRecord(pack: Pack, extra: string[]): Pick<Manifest, 'checks' | 'check_links'> {
  for (const check of extra) {
    if (check.trim() === '' || check.includes('\0')) throw new UsageError('--check needs a command, e.g. --check "npm test"');
  }
  const checks = [...(pack.manifest.checks ?? []), ...extra];
  const links = pack.manifest.check_links ?? [];
  return { ...(checks.length > 0 ? { checks } : {}), ...(links.length > 0 ? { check_links: links } : {}) };
}

function parseProvider(value: string | undefined): 'ollama' | 'openai' | 'embedded' {
  const provider = value ?? 'ollama';
  if (provider !== 'ollama' && provider !== 'openai' && provider !== 'embedded') throw new UsageError(`--provider must be ollama, openai or embedded, not "${provider}"`);
  return provider;
}

function readSpec(specPath: string): Buffer {
  const file = readPersonFile('/', specPath);
  if (!file.ok && file.problem === 'not-a-file') throw new OrchestratorError(`spec ${specPath} is not a file: pass --spec with the path of a Markdown spec`);
  if (!file.ok) throw new OrchestratorError(`spec file ${specPath} not found: pass --spec with the path of a Markdown spec`);
  const bytes = file.bytes;
  if (bytes.toString('utf8').trim().length === 0) throw new OrchestratorError(`spec file ${specPath} is empty: write what you want built first`);
  return bytes;
}

/** `YYYY-MM-DD_HHMMSS_<spec stem>` in local time: the moment a person started the run. */
export function runIdBase(date: Date, specPath: string): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  const day = `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
  const time = `${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
  const stem = path.basename(specPath, path.extname(specPath)).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'spec';
  return `${day}_${time}_${stem}`;
}

/** What a manifest records of the pack a run uses: its id, version and each file's sha256. */
export function packRecord(pack: Pack): Manifest['pack'] {
  return {
    id: pack.manifest.id,
    version: pack.manifest.version,
    files: Object.fromEntries([...pack.files].map(([name, bytes]) => [name, sha256(bytes)])),
  };
}
