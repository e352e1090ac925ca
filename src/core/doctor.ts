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
      checks.push(ok(`manifest of run ${run.id} found and valid`));
    } catch (error) {
      return [fail((error as Error).message)];
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
  if (await networkIsolationAvailable()) return ok('checks run without network access (a network namespace of their own, unshare -rn)');
  return warn('checks would run with this machine\'s network: `unshare -rn` is not available here (Linux with user namespaces, util-linux); they still run the code a patch adds with your rights');
}

const ok = (message: string): Check => ({ level: 'ok', message });
const warn = (message: string): Check => ({ level: 'warn', message });
const fail = (message: string): Check => ({ level: 'fail', message });

function packChecks(run: Run, manifest: Manifest): Check[] {
  const problems: string[] = [];
  for (const [name, recorded] of Object.entries(manifest.pack.files)) {
    const rel = `${PACK_DIR}/${name}`;
    if (!run.exists(rel)) problems.push(`${rel} is missing`);
    else if (sha256(run.readBytes(rel)) !== recorded) problems.push(`${rel} does not match its recorded sha256`);
  }
  if (problems.length > 0) return [fail(`prompt pack ${manifest.pack.id}: ${problems.join('; ')}: restore the run's pack/ folder from a copy`)];
  return [ok(`prompt pack ${manifest.pack.id} ${manifest.pack.version}: manifest and prompts match their recorded sha256`)];
}

async function baseCommitCheck(repoRoot: string, manifest: Manifest): Promise<Check> {
  const base = manifest.repository.base_commit;
  if (manifest.repository.base_kind === 'empty-tree') return ok('base is the empty tree (the repository had no commit at init)');
  try {
    await resolveRevision(repoRoot, base);
    const head = await headCommit(repoRoot);
    return head === base ? ok(`base commit ${base.slice(0, 12)} is HEAD`) : ok(`base commit ${base.slice(0, 12)} is present (HEAD has moved on)`);
  } catch {
    return fail(`base commit ${base} is not in the repository at ${repoRoot}: run doctor in the repository the run was made in`);
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
    if (recorded && version !== recorded) checks.push(warn(`engine is ${version}; the run was made with ${recorded}: replies may differ`));
    else checks.push(ok(`engine loads: ${version}`));
  } catch (error) {
    return [fail((error as Error).message)];
  }
  if (!manifest) return checks;
  const roles = manifest.models.executor.name === manifest.models.planner.name ? (['planner'] as const) : (['planner', 'executor'] as const);
  for (const role of roles) {
    const model = manifest.models[role];
    try {
      const file = await provider.verifyModelFile!(model.name);
      const size = `${(file.bytes / 1e6).toFixed(1)} MB`;
      if (model.digest !== null && file.sha256 !== model.digest.replace(/^sha256:/, '')) {
        checks.push(fail(`${role} model ${model.name}: ${file.path} (${size}) loads but its sha256 is ${short(file.sha256)}, the run recorded ${short(model.digest)}: restore the recorded file, or pass --allow-model-change to the next command`));
      } else {
        checks.push(ok(`${role} model ${model.name}: ${file.path} (${size}) loads, sha256 ${short(file.sha256)} matches the run`));
      }
    } catch (error) {
      checks.push(fail(`${role} model: ${(error as Error).message}`));
    }
  }
  if (roles.length === 1) checks.push(ok(`executor model is the planner model (${manifest.models.executor.name})`));
  for (const role of roles) {
    const trained = manifest.models[role].context_length;
    if (trained !== null && manifest.generation.num_ctx > trained) {
      checks.push(warn(`${role} model was trained on ${trained} tokens of context; the pack's num_ctx is ${manifest.generation.num_ctx}, so long prompts may degrade: lower num_ctx in the pack`));
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
    const checks: Check[] = [ok(`model server reachable at ${baseUrl} (${what})`)];
    if (models.length === 0) checks.push(warn(`the server has no models: pull one first (\`ollama pull qwen2.5-coder:7b\`)`));
    else {
      const names = models.map((model) => model.name).join(', ');
      const data = { models: models.map((model) => ({ name: model.name, digest: model.digest })) };
      checks.push({ ...ok(`${kind === 'ollama' ? 'Ollama models' : 'models'} found: ${names}`), data });
    }
    if (kind === 'openai') checks.push(...(await openAiOnOllamaCheck(env, baseUrl)));
    if (manifest) {
      checks.push(modelCheck('planner', manifest.models.planner, models));
      if (manifest.models.executor.name !== manifest.models.planner.name) checks.push(modelCheck('executor', manifest.models.executor, models));
      else checks.push(ok(`executor model is the planner model (${manifest.models.executor.name})`));
    }
    return checks;
  } catch (error) {
    return [fail((advise(error) as Error).message)];
  }
}

function modelCheck(role: string, recorded: Manifest['models']['planner'], models: ModelInfo[]): Check {
  const found = models.find((model) => model.name === recorded.name || model.name === `${recorded.name}:latest`);
  if (!found) return fail(`${role} model ${recorded.name} is not on the server: run \`ollama pull ${recorded.name}\``);
  const data = { role, name: recorded.name, digest: found.digest, recorded_digest: recorded.digest };
  if (recorded.digest && found.digest && bare(found.digest) !== bare(recorded.digest)) {
    return { ...warn(`${role} model ${recorded.name} has changed: digest ${short(found.digest)}, the run recorded ${short(recorded.digest)}; replies may differ`), data };
  }
  return { ...ok(`${role} model ${recorded.name} present${found.digest ? ` (digest ${short(found.digest)})` : ''}`), data };
}

/** Ollama's OpenAI endpoint cannot take num_ctx, so the model runs with its default context. */
async function openAiOnOllamaCheck(env: WorkflowEnv, baseUrl: string): Promise<Check[]> {
  const origin = baseUrl.replace(/\/v1\/?$/, '');
  let probe: ModelProvider;
  try {
    probe = await env.createProvider('ollama', origin);
    const version = await probe.serverVersion();
    if (version === null) return [];
  } catch {
    return [];
  }
  return [warn('the server is Ollama: its OpenAI API cannot set num_ctx, so the model runs with its default context; use --provider ollama')];
}

const short = (digest: string): string => bare(digest).slice(0, 12);
const bare = (digest: string): string => digest.replace(/^sha256:/, '');
