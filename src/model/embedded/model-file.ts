import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OrchestratorError } from '../../errors.js';

/**
 * Where an embedded model's GGUF file is, and its sha256 (the model's digest).
 *
 * A model is named either by a file path or as `ollama:<name>[:<tag>]`, a model already pulled
 * with Ollama, found by reading Ollama's own manifest files (no server involved):
 *   <store>/manifests/<registry>/<namespace>/<model>/<tag>  → the layer whose mediaType is
 *   application/vnd.ollama.image.model → <store>/blobs/sha256-<hex>.
 * <store> is $OLLAMA_MODELS, else ~/.ollama/models (Ollama's own rule); registry defaults to
 * registry.ollama.ai, namespace to library, tag to latest, as `ollama pull` does.
 */

export const OLLAMA_PREFIX = 'ollama:';
const MODEL_MEDIA_TYPE = 'application/vnd.ollama.image.model';

export interface ResolvedModel {
  name: string;
  path: string;
  /** Known without hashing when the file is content-addressed (an Ollama blob); else null. */
  knownSha256: string | null;
}

/** At init: a path is made absolute (commands may later run from another folder); ollama: names stay. */
export function recordedModelName(given: string, cwd: string): string {
  return given.startsWith(OLLAMA_PREFIX) ? given : path.resolve(cwd, given);
}

export function ollamaStoreDir(env: NodeJS.ProcessEnv): string {
  const configured = env['OLLAMA_MODELS'];
  return configured && configured.trim() !== '' ? path.resolve(configured) : path.join(os.homedir(), '.ollama', 'models');
}

export function resolveModel(name: string, env: NodeJS.ProcessEnv): ResolvedModel {
  if (!name.startsWith(OLLAMA_PREFIX)) return { name, path: path.resolve(name), knownSha256: null };
  const ref = parseOllamaRef(name.slice(OLLAMA_PREFIX.length));
  const store = ollamaStoreDir(env);
  const manifestPath = path.join(store, 'manifests', ref.registry, ref.namespace, ref.model, ref.tag);
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new OrchestratorError(
      missing
        ? `${name}: no Ollama manifest at ${manifestPath}: run \`ollama pull ${ref.display}\`, or set OLLAMA_MODELS to the folder Ollama stores models in (Linux service installs use /usr/share/ollama/.ollama/models)`
        : `${name}: the Ollama manifest ${manifestPath} cannot be read as JSON: run \`ollama pull ${ref.display}\` again`,
    );
  }
  const layers = (manifest as { layers?: unknown }).layers;
  const layer = Array.isArray(layers) ? (layers as Array<{ mediaType?: unknown; digest?: unknown }>).find((l) => l?.mediaType === MODEL_MEDIA_TYPE) : undefined;
  const digest = typeof layer?.digest === 'string' ? /^sha256:([0-9a-f]{64})$/.exec(layer.digest) : null;
  if (!digest) throw new OrchestratorError(`${name}: the Ollama manifest ${manifestPath} has no model layer (${MODEL_MEDIA_TYPE}) with a sha256 digest: run \`ollama pull ${ref.display}\` again`);
  return { name, path: path.join(store, 'blobs', `sha256-${digest[1]}`), knownSha256: digest[1]! };
}

/** Ollama's model reference: [registry/][namespace/]model[:tag]. */
function parseOllamaRef(ref: string): { registry: string; namespace: string; model: string; tag: string; display: string } {
  const colon = ref.lastIndexOf(':');
  const slash = ref.lastIndexOf('/');
  const hasTag = colon > slash;
  const tag = hasTag ? ref.slice(colon + 1) : 'latest';
  const parts = (hasTag ? ref.slice(0, colon) : ref).split('/');
  const ok = (s: string | undefined) => s !== undefined && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s);
  if (parts.length > 3 || !parts.every((p) => ok(p)) || !ok(tag)) {
    throw new OrchestratorError(`ollama:${ref} is not an Ollama model name: write it as ollama pull takes it, e.g. ollama:qwen2.5-coder:7b`);
  }
  const model = parts.at(-1)!;
  const namespace = parts.length >= 2 ? parts.at(-2)! : 'library';
  const registry = parts.length === 3 ? parts[0]! : 'registry.ollama.ai';
  return { registry, namespace, model, tag, display: hasTag ? ref : `${ref}:latest` };
}

/**
 * The file's sha256. Hashing a 5 GB model takes several seconds and happens before every model
 * call, so the result is cached in $XDG_CACHE_HOME/llm-orchestrator/gguf-sha256.json (else
 * ~/.cache/…), keyed by path, device, inode, size and mtime: any rewrite of the file changes one of
 * them and the file is hashed again. `fresh` ignores the cache (doctor does a full check).
 */
export async function fileSha256(file: string, env: NodeJS.ProcessEnv, options: { fresh?: boolean } = {}): Promise<string> {
  const stat = statSync(file, { bigint: true });
  const key = `${path.resolve(file)}\0${stat.dev}\0${stat.ino}\0${stat.size}\0${stat.mtimeNs}`;
  const cacheFile = path.join(cacheDir(env), 'gguf-sha256.json');
  const cache = readCache(cacheFile);
  if (!options.fresh && cache[key]) return cache[key]!;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  try {
    // Entries for files that no longer have this identity are dropped; the cache stays small.
    const kept = Object.fromEntries(Object.entries(readCache(cacheFile)).filter(([k]) => !k.startsWith(`${path.resolve(file)}\0`)));
    mkdirSync(path.dirname(cacheFile), { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ ...kept, [key]: digest }));
    renameSync(tmp, cacheFile);
  } catch {
    // A cache that cannot be written only costs time.
  }
  return digest;
}

function cacheDir(env: NodeJS.ProcessEnv): string {
  const xdg = env['XDG_CACHE_HOME'];
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'llm-orchestrator');
}

function readCache(file: string): Record<string, string> {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, string>) : {};
  } catch {
    return {};
  }
}
