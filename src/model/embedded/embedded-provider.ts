import { statSync } from 'node:fs';
import type { ChatHistoryItem, ChatWrapper, LlamaModel, LlamaTextJSON, Token } from 'node-llama-cpp';
import { OrchestratorError } from '../../errors.js';
import { canonicalJson } from '../canonical-json.js';
import { ModelRequestError, type ModelFailureReason } from '../model-request-error.js';
import type { ChatInput, ChatOptions, ChatResult, ModelInfo, ModelProvider } from '../types.js';
import { readGgufHeader, trainedContextLength } from './gguf-header.js';
import { jsonSchemaToGbnf } from './json-schema-grammar.js';
import { firstLine, loadEngine, type Engine } from './load-engine.js';
import { fileSha256, resolveModel } from './model-file.js';

/** What the manifest records as the base URL of an embedded run: there is no server. */
export const IN_PROCESS = 'in-process';
/**
 * Prompt tokens are evaluated in batches of this size. llama.cpp's results can depend on how the
 * prompt is split into batches, so it is fixed and recorded in every request.
 */
const BATCH_SIZE = 512;

/**
 * The request record of an embedded call: everything that decides the reply, so `replay` can run
 * it again exactly. `prompt` is the chat already rendered by the model's chat template (as
 * node-llama-cpp's LlamaText JSON: text plus special tokens), and it — not `messages` — is what is
 * tokenized, so a later node-llama-cpp that renders templates differently still replays the same
 * prompt. `grammar` is the GBNF text derived from `format`, enforced during sampling.
 */
interface EmbeddedRequest {
  engine: 'node-llama-cpp';
  model: string;
  messages: Array<{ role: string; content: string }>;
  chat_wrapper: string;
  prompt: LlamaTextJSON;
  stop: LlamaTextJSON[];
  format?: Record<string, unknown>;
  grammar: string | null;
  sampling: { temperature: number; seed: number; top_k: number; top_p: number; repeat_penalty: number };
  context_size: number;
  max_tokens: number;
  batch_size: number;
}

interface LoadedModel {
  path: string;
  model: LlamaModel;
  wrapper: ChatWrapper;
  contextLength: number | null;
  architecture: string | null;
}

/** Loaded models are shared by every provider of the process: a command loads each file once. */
const loaded = new Map<string, Promise<LoadedModel>>();

/**
 * Runs GGUF models inside this process with llama.cpp (node-llama-cpp): no server, one sequence
 * at a time, a fixed context size and batch size, the prompt counted with the model's own
 * tokenizer before anything is generated.
 */
export class EmbeddedProvider implements ModelProvider {
  readonly kind = 'embedded' as const;
  readonly baseUrl = IN_PROCESS;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** Checks and loads the model, and gives its sha256 as the digest. */
  async showModel(name: string): Promise<ModelInfo> {
    const resolved = resolveModel(name, this.env);
    const model = await this.load(name);
    const digest = resolved.knownSha256 ?? (await fileSha256(resolved.path, this.env));
    return {
      name,
      digest,
      context_length: model.contextLength,
      parameters: null,
      family: model.architecture,
      parameter_size: null,
      quantization_level: null,
    };
  }

  async modelDigest(name: string): Promise<string | null> {
    return (await this.showModel(name)).digest;
  }

  async verifyModelFile(name: string): Promise<{ path: string; sha256: string; bytes: number }> {
    const resolved = resolveModel(name, this.env);
    await this.load(name);
    return { path: resolved.path, sha256: await fileSha256(resolved.path, this.env, { fresh: true }), bytes: statSync(resolved.path).size };
  }

  async listModels(): Promise<ModelInfo[]> {
    return [];
  }

  async serverVersion(): Promise<string> {
    return (await loadEngine(this.env)).version;
  }

  /**
   * Renders the chat with the model's template, so it needs the model loaded: modelDigest (which the
   * digest check before every call runs) does that first.
   */
  buildChatBody(input: ChatInput): string {
    const model = this.loadedNow(input.model);
    const history: ChatHistoryItem[] = input.messages.map((m) =>
      m.role === 'system' ? { type: 'system', text: m.content } : m.role === 'user' ? { type: 'user', text: m.content } : { type: 'model', response: [m.content] },
    );
    history.push({ type: 'model', response: [] });
    const state = model.wrapper.generateContextState({ chatHistory: history });
    const p = input.params;
    const request: EmbeddedRequest = {
      engine: 'node-llama-cpp',
      model: input.model,
      messages: input.messages.map((m) => ({ role: m.role, content: m.content })),
      chat_wrapper: model.wrapper.wrapperName,
      prompt: state.contextText.toJSON(),
      stop: state.stopGenerationTriggers.map((trigger) => trigger.toJSON()),
      ...(input.format ? { format: input.format } : {}),
      grammar: input.format ? jsonSchemaToGbnf(input.format) : null,
      sampling: { temperature: p.temperature, seed: p.seed, top_k: p.top_k, top_p: p.top_p, repeat_penalty: p.repeat_penalty },
      context_size: p.num_ctx,
      max_tokens: p.num_predict,
      batch_size: BATCH_SIZE,
    };
    return canonicalJson(request);
  }

  async sendChat(body: string, options: ChatOptions): Promise<ChatResult> {
    const request = parseRequest(body);
    const started = Date.now();
    const fail = (reason: ModelFailureReason, message: string, partial: ChatResult | null = null, cause?: unknown) =>
      new ModelRequestError(message, { url: IN_PROCESS, reason, partial, cause });
    if (options.signal?.aborted) throw fail('aborted', 'the model call was aborted before it started');

    const { lib, llama } = await loadEngine(this.env);
    const { model } = await this.load(request.model);
    const promptTokens = lib.LlamaText.fromJSON(request.prompt).tokenize(model.tokenizer);
    checkPromptFits(promptTokens.length, request);

    let context;
    try {
      context = await model.createContext({ contextSize: request.context_size, sequences: 1, batchSize: request.batch_size });
    } catch (error) {
      throw new OrchestratorError(`llama.cpp could not create a context of ${request.context_size} tokens (${firstLine(error)}): lower num_ctx in the pack manifest or free memory`, { cause: error });
    }
    const generated: Token[] = [];
    let firstTokenMs: number | null = null;
    const stops = request.stop.map(stopText).filter((text) => text !== '');
    const longestStop = Math.max(0, ...stops.map((s) => s.length));
    const snapshot = (doneReason: string | null): ChatResult => {
      let content = model.detokenize(generated);
      const stop = stops.find((s) => content.endsWith(s));
      if (stop) content = content.slice(0, -stop.length);
      return {
        content,
        thinking: '',
        done_reason: doneReason,
        stats: { prompt_tokens: promptTokens.length, completion_tokens: generated.length, total_duration_ns: (Date.now() - started) * 1e6 },
        raw_stream: model.detokenize(generated, true),
      };
    };
    try {
      const grammar = request.grammar === null ? undefined : await llama.createGrammar({ grammar: request.grammar });
      const grammarEvaluationState = grammar ? new lib.LlamaGrammarEvaluationState({ model, grammar }) : undefined;
      const s = request.sampling;
      const tokens = context.getSequence().evaluate(promptTokens, {
        temperature: s.temperature,
        seed: s.seed,
        topK: s.top_k,
        topP: s.top_p,
        ...(s.repeat_penalty !== 1 ? { repeatPenalty: { penalty: s.repeat_penalty, punishTokens: () => generated.slice(-64) } } : {}),
        ...(grammarEvaluationState ? { grammarEvaluationState } : {}),
        yieldEogToken: true,
      });
      let doneReason = 'length';
      for await (const token of tokens) {
        if (options.signal?.aborted) throw fail('aborted', 'the model call was aborted', snapshot(null));
        if (Date.now() - started > options.timeoutMs) {
          throw fail('timeout', `no complete reply from the model within ${Math.round(options.timeoutMs / 1000)} s: raise timeout_ms in the pack manifest (now ${options.timeoutMs}) or lower num_predict`, snapshot(null));
        }
        if (model.isEogToken(token)) {
          doneReason = 'stop';
          break;
        }
        generated.push(token);
        const elapsedMs = Date.now() - started;
        firstTokenMs ??= elapsedMs;
        options.onProgress?.({ tokens: generated.length, elapsedMs, firstTokenMs });
        if (stops.length > 0) {
          // With special tokens as text: a chat template's end marker (<|im_end|>) is one.
          const tail = model.detokenize(generated.slice(-(longestStop + 8)), true);
          if (stops.some((stop) => tail.endsWith(stop))) {
            doneReason = 'stop';
            break;
          }
        }
        if (generated.length >= request.max_tokens) break;
      }
      return snapshot(doneReason);
    } catch (error) {
      if (error instanceof ModelRequestError || error instanceof OrchestratorError) throw error;
      throw fail('stream-error', `llama.cpp failed while generating (${firstLine(error)}); the partial reply is kept`, snapshot(null), error);
    } finally {
      await context.dispose();
    }
  }

  /** The exact number of tokens of a request's prompt, with the model's tokenizer. */
  async countPromptTokens(body: string): Promise<number> {
    const request = parseRequest(body);
    const { lib } = await loadEngine(this.env);
    const { model } = await this.load(request.model);
    return lib.LlamaText.fromJSON(request.prompt).tokenize(model.tokenizer).length;
  }

  private loadedNow(name: string): LoadedModel {
    const entry = settled.get(name);
    if (!entry) throw new Error(`internal: model ${name} must be loaded (showModel) before a request is built`);
    return entry;
  }

  private load(name: string): Promise<LoadedModel> {
    let pending = loaded.get(name);
    if (!pending) {
      pending = this.loadUncached(name).then(
        (model) => {
          settled.set(name, model);
          return model;
        },
        (error: unknown) => {
          loaded.delete(name);
          throw error;
        },
      );
      loaded.set(name, pending);
    }
    return pending;
  }

  private async loadUncached(name: string): Promise<LoadedModel> {
    const { path } = resolveModel(name, this.env);
    // Checked before llama.cpp sees the file: a damaged header can abort the process in there.
    const header = readGgufHeader(path);
    const engine = await loadEngine(this.env);
    let model: LlamaModel;
    try {
      model = await engine.llama.loadModel({ modelPath: path });
    } catch (error) {
      throw new OrchestratorError(`llama.cpp could not load model file ${path} (${loadFailure(error, engine)}): check that it is a GGUF model llama.cpp supports`, { cause: error });
    }
    const architecture = header.metadata.get('general.architecture');
    return {
      path,
      model,
      wrapper: engine.lib.resolveChatWrapper(model),
      contextLength: trainedContextLength(header) ?? model.trainContextSize,
      architecture: typeof architecture === 'string' ? architecture : null,
    };
  }
}

const settled = new Map<string, LoadedModel>();

function loadFailure(error: unknown, engine: Engine): string {
  const logged = engine.recentLog.filter((line) => /error|fail|invalid/i.test(line)).at(-1);
  return logged ? `${firstLine(error)}; llama.cpp said: ${logged}` : firstLine(error);
}

/**
 * The reply must fit the context after the prompt, counted exactly: refused before anything is
 * generated, rather than cut short or shifted mid-reply.
 */
function checkPromptFits(promptTokens: number, request: EmbeddedRequest): void {
  if (promptTokens + request.max_tokens <= request.context_size) return;
  throw new OrchestratorError(
    `the prompt is ${promptTokens} tokens (counted with the model's tokenizer); with num_predict ${request.max_tokens} it needs ${promptTokens + request.max_tokens}, over num_ctx ${request.context_size}: shorten the spec/context, lower num_predict or raise num_ctx in the pack manifest`,
  );
}

/** A stop trigger as the text the model would write; special tokens (EOS) are stopped on by id. */
function stopText(json: LlamaTextJSON): string {
  if (typeof json === 'string') return json;
  return json.map((v) => (typeof v === 'string' ? v : v.type === 'specialTokensText' ? v.value : '')).join('');
}

function parseRequest(body: string): EmbeddedRequest {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    value = null;
  }
  const r = value as Partial<EmbeddedRequest> | null;
  const ok =
    r !== null &&
    typeof r === 'object' &&
    r.engine === 'node-llama-cpp' &&
    typeof r.model === 'string' &&
    (typeof r.prompt === 'string' || Array.isArray(r.prompt)) &&
    Array.isArray(r.stop) &&
    (r.grammar === null || typeof r.grammar === 'string') &&
    typeof r.sampling === 'object' &&
    r.sampling !== null &&
    Number.isInteger(r.context_size) &&
    Number.isInteger(r.max_tokens) &&
    Number.isInteger(r.batch_size);
  if (!ok) {
    throw new ModelRequestError('the request is not an embedded-provider request (node-llama-cpp): it was recorded for another provider or changed', { url: IN_PROCESS, reason: 'malformed-reply' });
  }
  return r as EmbeddedRequest;
}
