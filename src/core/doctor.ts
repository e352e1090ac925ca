import { headCommit, resolveRevision } from '../git/repository.js';
import { requireAllowedBaseUrl, resolveBaseUrl } from '../model/base-url.js';
import type { ModelInfo, ModelProvider } from '../model/types.js';
import type { Check } from '../schema/check.js';
import type { Manifest } from '../schema/run-files.js';
import { sha256, type Run } from '../store/run-store.js';
import { UsageError } from '../errors.js';
import { PACK_DIR } from './layout.js';
import { withMovedServerAdvice } from './moved-server.js';
import { readRecordedManifest } from './recorded-files.js';
import { runBaseUrl } from './server-url.js';
import { audited, openStore } from './session.js';
import type { WorkflowEnv } from './workflow-env.js';

export type { Check, CheckLevel } from '../schema/check.js';

export interface DoctorOptions {
  run?: string;
  provider?: 'ollama' | 'openai' | 'embedded';
  baseUrl?: string;
  allowRemote?: boolean;
}

/** Checks the set-up, and with a run, that what the run recorded is still there and the same. */
export async function doctor(env: WorkflowEnv, options: DoctorOptions): Promise<Check[]> {
  if (!options.run) {
    const provider = options.provider ?? 'ollama';
    if (provider === 'embedded') return embeddedChecks(env, null);
    const baseUrl = resolveBaseUrl(options.baseUrl, env.env);
    requireAllowedBaseUrl(baseUrl, options.allowRemote === true, 'doctor is given --allow-remote');
    return serverChecks(env, provider, baseUrl, null);
  }
  if (options.allowRemote === true) {
    throw new UsageError("--allow-remote applies without --run: a run's manifest says whether it may use a remote server (init --allow-remote)");
  }
  const { repoRoot, store } = await openStore(env);
  const run = store.openRun(options.run);
  const args = { run: options.run };
  return audited(run, env, 'doctor', args, async () => {
    const checks: Check[] = [];
    let manifest: Manifest;
    try {
      manifest = readRecordedManifest(run);
      checks.push(ok('manifest', `manifest of run ${run.id} found and valid`, { run_id: run.id }));
    } catch (error) {
      return [fail('manifest', (error as Error).message, { run_id: run.id })];
    }
    checks.push(...packChecks(run, manifest));
    checks.push(await baseCommitCheck(repoRoot, manifest));
    if ((manifest.checks ?? []).length > 0) checks.push(await checkIsolationCheck());
    const baseUrl = runBaseUrl(options.baseUrl, manifest);
    if (manifest.provider === 'embedded') {
      checks.push(...(await embeddedChecks(env, manifest)));
      return checks;
    }
    const server = await serverChecks(env, manifest.provider, baseUrl, manifest, (error) => withMovedServerAdvice(error, 'doctor', { ...args, base_url: baseUrl }));
    checks.push(...server);
    return checks;
  });
}

/** Checks run the code a patch adds: whether they can at least be kept off the network here. */
async function checkIsolationCheck(): Promise<Check> {
  const { networkIsolationAvailable } = await import('../checks/run-check.js');
  if (await networkIsolationAvailable()) return ok('check_isolation', 'checks run without network access (a network namespace of their own, unshare -rn)', { isolated: true });
  return warn('check_isolation', 'checks would run with this machine\'s network: `unshare -rn` is not available here (Linux with user namespaces, util-linux); they still run the code a patch adds with your rights', { isolated: false });
}

const ok = (id: string, message: string, data: Record<string, unknown> = {}): Check => ({ id, level: 'ok', message, data });
const warn = (id: string, message: string, data: Record<string, unknown> = {}): Check => ({ id, level: 'warn', message, data });
const fail = (id: string, message: string, data: Record<string, unknown> = {}): Check => ({ id, level: 'fail', message, data });

function packChecks(run: Run, manifest: Manifest): Check[] {
  const problems: string[] = [];
  for (const [name, recorded] of Object.entries(manifest.pack.files)) {
    const rel = `${PACK_DIR}/${name}`;
    if (!run.exists(rel)) problems.push(`${rel} is missing`);
    else if (sha256(run.readBytes(rel)) !== recorded) problems.push(`${rel} does not match its recorded sha256`);
  }
  const data = { id: manifest.pack.id, version: manifest.pack.version, problems };
  if (problems.length > 0) return [fail('pack', `prompt pack ${manifest.pack.id}: ${problems.join('; ')}: restore the run's pack/ folder from a copy`, data)];
  return [ok('pack', `prompt pack ${manifest.pack.id} ${manifest.pack.version}: manifest and prompts match their recorded sha256`, data)];
}

async function baseCommitCheck(repoRoot: string, manifest: Manifest): Promise<Check> {
  const base = manifest.repository.base_commit;
  const data = { base_commit: base, base_kind: manifest.repository.base_kind, repository: repoRoot };
  if (manifest.repository.base_kind === 'empty-tree') return ok('base_commit', 'base is the empty tree (the repository had no commit at init)', { ...data, present: true, head: null });
  try {
    await resolveRevision(repoRoot, base);
    const head = await headCommit(repoRoot);
    const facts = { ...data, present: true, head };
    return head === base ? ok('base_commit', `base commit ${base.slice(0, 12)} is HEAD`, facts) : ok('base_commit', `base commit ${base.slice(0, 12)} is present (HEAD has moved on)`, facts);
  } catch {
    return fail('base_commit', `base commit ${base} is not in the repository at ${repoRoot}: run doctor in the repository the run was made in`, { ...data, present: false, head: null });
  }
}

/**
 * No server: the engine must load, and each model file must exist, be a GGUF file llama.cpp
 * loads, and hash (afresh, not from the digest cache) to the sha256 the run recorded.
 */
async function embeddedChecks(env: WorkflowEnv, manifest: Manifest | null): Promise<Check[]> {
  const provider = await env.createProvider('embedded', manifest?.base_url ?? 'in-process');
  const checks: Check[] = [];
  try {
    const version = await provider.serverVersion();
    const recorded = manifest?.server.version;
    const data = { version, recorded_version: recorded ?? null };
    if (recorded && version !== recorded) checks.push(warn('engine', `engine is ${version}; the run was made with ${recorded}: replies may differ`, data));
    else checks.push(ok('engine', `engine loads: ${version}`, data));
  } catch (error) {
    return [fail('engine', (error as Error).message, { version: null, recorded_version: manifest?.server.version ?? null })];
  }
  if (!manifest) return checks;
  const roles = manifest.models.executor.name === manifest.models.planner.name ? (['planner'] as const) : (['planner', 'executor'] as const);
  for (const role of roles) {
    const model = manifest.models[role];
    try {
      const file = await provider.verifyModelFile!(model.name);
      const size = `${(file.bytes / 1e6).toFixed(1)} MB`;
      const data = { role, name: model.name, path: file.path, bytes: file.bytes, digest: file.sha256, recorded_digest: model.digest };
      if (model.digest !== null && file.sha256 !== model.digest.replace(/^sha256:/, '')) {
        checks.push(fail(`${role}_model`, `${role} model ${model.name}: ${file.path} (${size}) loads but its sha256 is ${short(file.sha256)}, the run recorded ${short(model.digest)}: restore the recorded file, or pass --allow-model-change to the next command`, data));
      } else {
        checks.push(ok(`${role}_model`, `${role} model ${model.name}: ${file.path} (${size}) loads, sha256 ${short(file.sha256)} matches the run`, data));
      }
    } catch (error) {
      checks.push(fail(`${role}_model`, `${role} model: ${(error as Error).message}`, { role, name: model.name, path: null, bytes: null, digest: null, recorded_digest: model.digest }));
    }
  }
  if (roles.length === 1) checks.push(samePlannerModel(manifest));
  for (const role of roles) {
    const trained = manifest.models[role].context_length;
    if (trained !== null && manifest.generation.num_ctx > trained) {
      checks.push(warn(`${role}_context`, `${role} model was trained on ${trained} tokens of context; the pack's num_ctx is ${manifest.generation.num_ctx}, so long prompts may degrade: lower num_ctx in the pack`, { role, context_length: trained, num_ctx: manifest.generation.num_ctx }));
    }
  }
  return checks;
}

async function serverChecks(
  env: WorkflowEnv,
  kind: 'ollama' | 'openai',
  baseUrl: string,
  manifest: Manifest | null,
  advise: (error: unknown) => unknown = (error) => error,
): Promise<Check[]> {
  const provider = await env.createProvider(kind, baseUrl);
  let models: ModelInfo[];
  try {
    const version = kind === 'ollama' ? await provider.serverVersion() : null;
    models = await provider.listModels();
    const what = version ? `Ollama ${version}` : kind === 'ollama' ? 'Ollama' : 'OpenAI-compatible server';
    const checks: Check[] = [ok('server', `model server reachable at ${baseUrl} (${what})`, { provider: kind, base_url: baseUrl, version })];
    const data = { models: models.map((model) => ({ name: model.name, digest: model.digest })) };
    if (models.length === 0) checks.push(warn('models', `the server has no models: pull one first (\`ollama pull qwen2.5-coder:7b\`)`, data));
    else {
      const names = models.map((model) => model.name).join(', ');
      checks.push(ok('models', `${kind === 'ollama' ? 'Ollama models' : 'models'} found: ${names}`, data));
    }
    if (kind === 'openai') checks.push(...(await openAiOnOllamaCheck(env, baseUrl)));
    if (manifest) {
      checks.push(modelCheck('planner', manifest.models.planner, models));
      if (manifest.models.executor.name !== manifest.models.planner.name) checks.push(modelCheck('executor', manifest.models.executor, models));
      else checks.push(samePlannerModel(manifest));
    }
    return checks;
  } catch (error) {
    return [fail('server', (advise(error) as Error).message, { provider: kind, base_url: baseUrl, version: null })];
  }
}

/** The run uses one model for both roles: checked once, as the planner. */
function samePlannerModel(manifest: Manifest): Check {
  return ok('executor_model', `executor model is the planner model (${manifest.models.executor.name})`, { role: 'executor', name: manifest.models.executor.name, same_as: 'planner' });
}

function modelCheck(role: string, recorded: Manifest['models']['planner'], models: ModelInfo[]): Check {
  const found = models.find((model) => model.name === recorded.name || model.name === `${recorded.name}:latest`);
  const id = `${role}_model`;
  if (!found) return fail(id, `${role} model ${recorded.name} is not on the server: run \`ollama pull ${recorded.name}\``, { role, name: recorded.name, present: false, digest: null, recorded_digest: recorded.digest });
  const data = { role, name: recorded.name, present: true, digest: found.digest, recorded_digest: recorded.digest };
  if (recorded.digest && found.digest && bare(found.digest) !== bare(recorded.digest)) {
    return warn(id, `${role} model ${recorded.name} has changed: digest ${short(found.digest)}, the run recorded ${short(recorded.digest)}; replies may differ`, data);
  }
  return ok(id, `${role} model ${recorded.name} present${found.digest ? ` (digest ${short(found.digest)})` : ''}`, data);
}

/** Ollama's OpenAI endpoint cannot take num_ctx, so the model runs with its default context. */
async function openAiOnOllamaCheck(env: WorkflowEnv, baseUrl: string): Promise<Check[]> {
  const origin = baseUrl.replace(/\/v1\/?$/, '');
  let probe: ModelProvider;
  let version: string | null;
  try {
    probe = await env.createProvider('ollama', origin);
    version = await probe.serverVersion();
    if (version === null) return [];
  } catch {
    return [];
  }
  return [warn('openai_on_ollama', 'the server is Ollama: its OpenAI API cannot set num_ctx, so the model runs with its default context; use --provider ollama', { ollama_version: version })];
}

const short = (digest: string): string => bare(digest).slice(0, 12);
const bare = (digest: string): string => digest.replace(/^sha256:/, '');
