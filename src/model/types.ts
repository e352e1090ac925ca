/**
 * The model layer's contract. Everything above src/model talks to a model server only through
 * ModelProvider, so the rest of the tool never knows whether Ollama or an OpenAI-compatible
 * server answers.
 *
 * Failures: every failing call throws a ModelRequestError (src/model/model-request-error.ts),
 * a ModelCallError subclass with
 *   - `reason`  — what kind of failure ('unreachable', 'model-missing', 'http-error',
 *                 'stream-error', 'cut-short', 'malformed-reply', 'timeout', 'aborted');
 *   - `partial` — for sendChat, the reply assembled so far (content, thinking, raw_stream), so a
 *                 failed call can still be recorded; null for the metadata calls;
 *   - `aborted` — true only when the caller's own AbortSignal stopped the call. Callers that
 *                 cancel (Ctrl-C) test `err instanceof ModelRequestError && err.aborted` rather
 *                 than looking for a DOM AbortError, whose shape differs between fetch versions.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Every sampling option is sent explicitly, because a Modelfile silently overrides what is left out. */
export interface GenerationParams {
  temperature: number;
  seed: number;
  top_k: number;
  top_p: number;
  repeat_penalty: number;
  num_ctx: number;
  /** Ollama semantics: a positive cap on generated tokens; -1 means no cap, -2 means fill the context. */
  num_predict: number;
  think: boolean;
}

export interface ChatInput {
  model: string;
  messages: ChatMessage[];
  /** A JSON schema the reply must follow (structured output). */
  format?: Record<string, unknown>;
  params: GenerationParams;
}

export interface ModelInfo {
  name: string;
  digest: string | null;
  context_length: number | null;
  /** The server-side parameter block (Ollama's Modelfile PARAMETER lines), as the server prints it. */
  parameters: string | null;
  family: string | null;
  parameter_size: string | null;
  quantization_level: string | null;
}

export interface ChatProgress {
  /** Stream chunks that carried text so far: one per token on Ollama, close to it on OpenAI servers. */
  tokens: number;
  /** Since the request was sent. */
  elapsedMs: number;
  /**
   * When the first token arrived (ms after the request), or null before it: loading the model and
   * reading the prompt can take minutes, so a rate counted from the request says nothing.
   */
  firstTokenMs: number | null;
}

export interface ChatResult {
  /** The assistant text, concatenated from the stream. */
  content: string;
  /** Reasoning text the server reported separately ('' if none). */
  thinking: string;
  /** 'stop', 'length', ... as the server said it; null if it did not say. */
  done_reason: string | null;
  stats: { prompt_tokens: number | null; completion_tokens: number | null; total_duration_ns: number | null };
  /** The HTTP response body exactly as received (NDJSON or SSE text). */
  raw_stream: string;
}

export interface ChatOptions {
  /** Covers the whole call: connecting, waiting for the model to load, and reading the full stream. */
  timeoutMs: number;
  /** Aborting it stops the call; the error then has `aborted === true`. */
  signal?: AbortSignal;
  onProgress?: (p: ChatProgress) => void;
  /** Stop the call once the reply's text passes this many UTF-8 bytes (reason 'over-limit'). */
  maxReplyBytes?: number;
}

export type ProviderKind = 'ollama' | 'openai' | 'embedded';

export interface ModelProvider {
  readonly kind: ProviderKind;
  readonly baseUrl: string;
  /** The exact request body that will be sent, as canonical JSON text (keys sorted recursively, 2-space indent, trailing newline). Pure: same input → same bytes. */
  buildChatBody(input: ChatInput): string;
  /** Sends a body produced by buildChatBody byte for byte (streaming), returns the assembled reply. */
  sendChat(body: string, options: ChatOptions): Promise<ChatResult>;
  /** ollama: /api/tags (and nothing else); openai: /v1/models (digest null). */
  listModels(): Promise<ModelInfo[]>;
  /**
   * ollama: the /api/tags entry merged with /api/show (context_length from model_info
   * '<arch>.context_length', parameters string); openai: from /v1/models, nulls where unknown.
   * A missing model → ModelRequestError with reason 'model-missing' and the pull hint.
   */
  showModel(name: string): Promise<ModelInfo>;
  /**
   * The digest checked before every model call, with no more requests than that needs (ollama:
   * /api/tags only); a missing model fails as in showModel. embedded: loads the model, as
   * showModel does. `signal` stops the listing's request (a command that asked for it ahead of its
   * call and then stopped first); the embedded provider, which makes none, ignores it.
   */
  modelDigest(name: string, options?: { signal?: AbortSignal }): Promise<string | null>;
  /** ollama: /api/version; openai: null; embedded: the engine's version. */
  serverVersion(): Promise<string | null>;
  /**
   * embedded only: finds the model file, checks it, loads it and hashes it afresh (no cache), for
   * `doctor`. Throws with one line saying what is wrong.
   */
  verifyModelFile?(name: string): Promise<{ path: string; sha256: string; bytes: number }>;
}
