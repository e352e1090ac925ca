import { OrchestratorError } from '../errors.js';
import { overLimit, packLimits } from '../schema/run-files.js';
import { loadRunPack } from './run-pack.js';
import { checkContextFits } from '../model/estimate-tokens.js';
import { ModelRequestError } from '../model/model-request-error.js';
import type { ChatMessage, ChatResult } from '../model/types.js';
import { checkModelDigest } from './model-digest.js';
import { runBaseUrl } from './server-url.js';
import type { RunSession } from './session.js';

export interface ModelExchange {
  body: string;
  result: ChatResult;
  /** The server the call went to: the manifest's, or --base-url's. */
  baseUrl: string;
}

/**
 * One call to the run's planner or executor with the run's fixed parameters, after checking the
 * model is still the one the manifest recorded. Nothing is written here: a call that fails (or
 * is refused) leaves the run as it was, so the command can be retried.
 */
export async function callModel(
  session: RunSession,
  role: 'planner' | 'executor',
  messages: ChatMessage[],
  format?: Record<string, unknown>,
): Promise<ModelExchange> {
  const { manifest, env } = session;
  const model = manifest.models[role].name;
  // The embedded provider counts the prompt exactly with the model's tokenizer and has no server.
  if (manifest.provider !== 'embedded') checkContextFits(messages, manifest.generation);
  const baseUrl = runBaseUrl(env.baseUrl, manifest);
  const provider = await env.createProvider(manifest.provider, baseUrl);
  const { note } = await checkModelDigest(provider, role, manifest.models[role], env.allowModelChange === true);
  if (note) {
    session.run.noteWarning(note.message);
    if (note.changed) env.onWarning?.(note.message);
  }
  const body = provider.buildChatBody({ model, messages, ...(format ? { format } : {}), params: manifest.generation });
  try {
    const result = await provider.sendChat(body, {
      timeoutMs: manifest.timeout_ms,
      ...(env.signal ? { signal: env.signal } : {}),
      ...(env.onProgress ? { onProgress: (progress) => env.onProgress?.({ ...progress, model }) } : {}),
    });
    const { reply_bytes } = packLimits(loadRunPack(session.run).manifest);
    const bytes = Buffer.byteLength(result.content) + Buffer.byteLength(result.thinking ?? '');
    if (bytes > reply_bytes) throw new OrchestratorError(overLimit(`the ${role}'s reply`, bytes, 'reply_bytes', reply_bytes));
    return { body, result, baseUrl };
  } catch (error) {
    // Ctrl-C: what had arrived is kept, apart from the run's records (nothing reads interrupted/),
    // and named with its sha256 in the command's audit line.
    if (error instanceof ModelRequestError && error.aborted) {
      const stamp = env.now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      const file = `interrupted/${stamp}-${role}.partial.txt`;
      if (!session.run.exists(file)) session.run.writeText(file, error.partial?.content ?? '');
      throw new ModelRequestError(`${error.message}; the partial reply is kept in ${file}, nothing else changed: run the command again`, {
        url: error.url,
        reason: error.reason,
        partial: error.partial,
        cause: error,
      });
    }
    throw error;
  }
}
