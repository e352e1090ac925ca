import { OrchestratorError } from '../errors.js';
import { overLimit, packLimits } from '../schema/run-files.js';
import { loadRunPack } from './run-pack.js';
import { checkContextFits, type ContextOverflow } from '../model/estimate-tokens.js';
import { ModelRequestError } from '../model/model-request-error.js';
import type { ChatMessage, ChatResult, ModelProvider } from '../model/types.js';
import { checkModelDigest } from './model-digest.js';
import { runBaseUrl } from './server-url.js';
import type { RunSession } from './session.js';

export interface ModelExchange {
  body: string;
  result: ChatResult;
  /** The server the call went to: the manifest's, or --base-url's. */
  baseUrl: string;
}

export interface CallOptions {
  /** What to do about a prompt over num_ctx, for a caller that knows what the prompt is made of. */
  advice?: (overflow: ContextOverflow) => string;
  /** Sees the exact body before it is sent; throwing stops the call there. */
  beforeSend?: (body: string) => void;
  /** The model listing asked for ahead of the call (startModelCall), to use instead of asking now. */
  early?: EarlyModelCall;
}

/** The server, its provider and the digest the server reports, asked for but perhaps not answered yet. */
interface PreparedCall {
  baseUrl: string;
  provider: ModelProvider;
  digest: Promise<string | null>;
}

/**
 * A model call's first request, the model listing whose digest callModel checks, sent ahead of
 * the call: a command starts it once it has read and checked every file of the run the call
 * depends on (so a run that is not valid still gets nothing sent), and the server answers while
 * git reads the repository and the prompt is built, instead of after. callModel still
 * awaits the answer where it asked for it before (after the prompt is known to fit num_ctx), and
 * checks it before the chat request is built and sent, so what is sent, in what order, and
 * every refusal and its message are unchanged. The listing has no body and names nothing of the
 * run; a command that stops before its call (a git error, a prompt over num_ctx, a request the
 * same as the last attempt's) has asked for it and nothing else.
 */
export interface EarlyModelCall {
  /** Null for the embedded provider: its "listing" loads the model, which waits for the call. */
  readonly prepared: Promise<PreparedCall> | null;
  /** Stops the listing if it is still under way; the command calls it when it ends, however it ends. */
  close(): void;
}

export function startModelCall(session: RunSession, role: 'planner' | 'executor'): EarlyModelCall {
  const { manifest } = session;
  if (manifest.provider === 'embedded') return { prepared: null, close: () => {} };
  const controller = new AbortController();
  // A bad --base-url fails this, and again, in its place, when callModel awaits it.
  const prepared = prepareCall(session, role, controller.signal).then((call) => {
    // Awaited by callModel, or never when the command stops first: not an unhandled rejection.
    call.digest.catch(() => {});
    return call;
  });
  prepared.catch(() => {});
  return { prepared, close: () => controller.abort() };
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
  options: CallOptions = {},
): Promise<ModelExchange> {
  const { manifest, env } = session;
  const model = manifest.models[role].name;
  // The embedded provider counts the prompt exactly with the model's tokenizer and has no server.
  if (manifest.provider !== 'embedded') {
    checkContextFits(messages, manifest.generation, options.advice ?? ((overflow) => newRunAdvice(session.run.id, overflow, 'shorten the spec')));
  }
  const { baseUrl, provider, digest } = (await options.early?.prepared) ?? (await prepareCall(session, role));
  const { note } = await checkModelDigest(provider, role, manifest.models[role], env.allowModelChange === true, digest);
  if (note) {
    session.run.noteWarning(note.message);
    if (note.changed) env.onWarning?.(note.message);
  }
  // Built after the digest check: the embedded provider renders the body with the model it loads there.
  const body = provider.buildChatBody({ model, messages, ...(format ? { format } : {}), params: manifest.generation });
  const { reply_bytes } = packLimits(loadRunPack(session.run).manifest);
  const replyOverLimit = (detail: string) => new OrchestratorError(`the ${role}'s reply ${detail}, over the pack's limits.reply_bytes (${reply_bytes} bytes): lower num_predict, or raise limits.reply_bytes in the pack's manifest.json`);
  options.beforeSend?.(body);
  const watch = env.watchModelCall?.(model);
  try {
    const result = await provider.sendChat(body, {
      timeoutMs: manifest.timeout_ms,
      maxReplyBytes: reply_bytes,
      ...(env.signal ? { signal: env.signal } : {}),
      ...(watch ? { onProgress: (progress) => watch.onProgress(progress) } : {}),
    });
    // A provider that does not stream (the embedded engine) is checked once the reply is whole.
    const bytes = Buffer.byteLength(result.content) + Buffer.byteLength(result.thinking ?? '');
    if (bytes > reply_bytes) throw new OrchestratorError(overLimit(`the ${role}'s reply`, bytes, 'reply_bytes', reply_bytes));
    return { body, result, baseUrl };
  } catch (error) {
    if (error instanceof ModelRequestError && error.reason === 'over-limit') {
      throw replyOverLimit(`was stopped after ${Buffer.byteLength(error.partial?.content ?? '') + Buffer.byteLength(error.partial?.thinking ?? '')} bytes`);
    }
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
  } finally {
    watch?.end();
  }
}

async function prepareCall(session: RunSession, role: 'planner' | 'executor', signal?: AbortSignal): Promise<PreparedCall> {
  const { manifest, env } = session;
  // The manifest's server, or --base-url's (same loopback rule: server-url.ts).
  const baseUrl = runBaseUrl(env.baseUrl, manifest);
  const provider = await env.createProvider(manifest.provider, baseUrl);
  if (signal?.aborted) throw new Error('the command ended before its model call');
  return { baseUrl, provider, digest: provider.modelDigest(manifest.models[role].name, signal ? { signal } : {}) };
}

/** The way out of a prompt that does not fit, after what the caller can say about making it smaller. */
export function newRunAdvice(runId: string, overflow: ContextOverflow, smaller: string): string {
  return `${smaller}, or start a new run with a larger context: \`init --from ${runId} --num-ctx ${overflow.suggestedNumCtx}\``;
}
