import { checkContextFits } from '../model/estimate-tokens.js';
import type { ChatMessage, ChatResult } from '../model/types.js';
import { checkModelDigest } from './model-digest.js';
import type { RunSession } from './session.js';

export interface ModelExchange {
  body: string;
  result: ChatResult;
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
  checkContextFits(messages, manifest.generation);
  const provider = env.createProvider(manifest.provider, manifest.base_url);
  const { note } = await checkModelDigest(provider, role, manifest.models[role], env.allowModelChange === true);
  if (note) {
    session.run.noteWarning(note.message);
    if (note.changed) env.onWarning?.(note.message);
  }
  const body = provider.buildChatBody({ model, messages, ...(format ? { format } : {}), params: manifest.generation });
  const result = await provider.sendChat(body, {
    timeoutMs: manifest.timeout_ms,
    ...(env.signal ? { signal: env.signal } : {}),
    ...(env.onProgress ? { onProgress: (progress) => env.onProgress?.({ ...progress, model }) } : {}),
  });
  return { body, result };
}
