import { canonicalJson } from './canonical-json.js';
import { fetchJson, LineBuffer, METADATA_TIMEOUT_MS, serverErrorText, StreamFault, streamChat, type ServerHints, type StreamAssembler } from './http-call.js';
import { ModelRequestError, serverHas, type ModelFailureReason } from './model-request-error.js';
import type { ChatInput, ChatOptions, ChatResult, ModelInfo, ModelProvider } from './types.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * An OpenAI-compatible server (llama.cpp, vLLM, LM Studio, Ollama's /v1, ...).
 *
 * The chat-completions API has no top_k, repeat_penalty, num_ctx or think, so those parameters
 * cannot be sent and the server's own settings apply; the recorded request body shows exactly
 * what was sent. num_predict ≤ 0 (Ollama's "no cap") has no OpenAI spelling, so max_tokens is
 * then left out. stream_options.include_usage is sent so token counts arrive in the stream.
 */
export class OpenAIProvider implements ModelProvider {
  readonly kind = 'openai' as const;
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    // Most servers document their address as ".../v1"; we append /v1/... ourselves.
    this.baseUrl = baseUrl.replace(/\/v1\/?$/, '');
  }

  buildChatBody(input: ChatInput): string {
    const p = input.params;
    return canonicalJson({
      model: input.model,
      messages: input.messages.map((m) => ({ role: m.role, content: m.content })),
      stream: true,
      stream_options: { include_usage: true },
      temperature: p.temperature,
      top_p: p.top_p,
      seed: p.seed,
      max_tokens: p.num_predict > 0 ? p.num_predict : undefined,
      response_format: input.format
        ? { type: 'json_schema', json_schema: { name: 'plan', strict: true, schema: input.format } }
        : undefined,
    });
  }

  sendChat(body: string, options: ChatOptions): Promise<ChatResult> {
    let model: string | null = null;
    try {
      const parsed = JSON.parse(body) as unknown;
      model = isObject(parsed) ? str(parsed['model']) : null;
    } catch {
      // the server will say what is wrong with the body
    }
    return streamChat({
      url: `${this.baseUrl}/v1/chat/completions`,
      body,
      options,
      hints: this.hints(model),
      assembler: new SseAssembler(),
    });
  }

  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    const list = await fetchJson({ url: `${this.baseUrl}/v1/models`, hints: this.hints(null), timeoutMs: METADATA_TIMEOUT_MS, ...(signal ? { signal } : {}) });
    if (!isObject(list) || !Array.isArray(list['data'])) {
      throw new ModelRequestError(`the server at ${this.baseUrl} answered /v1/models in an unexpected shape: check that --base-url points at an OpenAI-compatible server`, { url: `${this.baseUrl}/v1/models`, reason: 'malformed-reply' });
    }
    return list['data'].filter(isObject).map((m) => ({
      name: str(m['id']) ?? '',
      digest: null,
      // vLLM says max_model_len, OpenRouter-style lists say context_length; most servers say neither.
      context_length: num(m['max_model_len']) ?? num(m['context_length']),
      parameters: null,
      family: null,
      parameter_size: null,
      quantization_level: null,
    }));
  }

  async showModel(name: string, signal?: AbortSignal): Promise<ModelInfo> {
    const models = await this.listModels(signal);
    const found = models.find((m) => m.name === name);
    if (!found) {
      const message = `model '${name}' not found on the server at ${this.baseUrl} (${serverHas(models.map((m) => m.name))}): load or download it there, or give a name the server has`;
      throw new ModelRequestError(message, { url: `${this.baseUrl}/v1/models`, reason: 'model-missing', status: 404 });
    }
    return found;
  }

  async modelDigest(name: string, options: { signal?: AbortSignal } = {}): Promise<string | null> {
    return (await this.showModel(name, options.signal)).digest;
  }

  serverVersion(): Promise<string | null> {
    return Promise.resolve(null);
  }

  private hints(model: string | null): ServerHints {
    const baseUrl = this.baseUrl;
    return {
      baseUrl,
      unreachableHint: 'start the server or pass --base-url',
      describeHttpError(status, bodyText, path): { message: string; reason: ModelFailureReason } {
        const text = serverErrorText(bodyText);
        const isJson = bodyText.trimStart().startsWith('{');
        if (status === 404 && isJson && model !== null && /not found|does not exist|no such model/i.test(text)) {
          return { message: missingModelMessage(model, baseUrl), reason: 'model-missing' };
        }
        if (status === 404 && !isJson) {
          return { message: `the server at ${baseUrl} has no ${path} endpoint (HTTP 404): check --base-url (give the server root; /v1 is added here)`, reason: 'http-error' };
        }
        if (status === 401 || status === 403) {
          return { message: `the server at ${baseUrl} refused the request (HTTP ${status}: ${text}): this tool sends no API key, so use a local server that needs none`, reason: 'http-error' };
        }
        return { message: `the model server answered HTTP ${status} to ${path}: ${text}: check the server log`, reason: 'http-error' };
      },
    };
  }
}

const missingModelMessage = (name: string, baseUrl: string) =>
  `model '${name}' not found on the server at ${baseUrl}: load or download it there, or pick one that GET ${baseUrl}/v1/models lists`;

/**
 * Assembles a chat-completions SSE stream: events separated by blank lines, each `data:` line a
 * chunk, `data: [DONE]` at the end. A reply counts as finished on [DONE] or on a finish_reason,
 * since a few servers close the stream right after the finish_reason without [DONE].
 */
class SseAssembler implements StreamAssembler {
  private readonly lines = new LineBuffer();
  private data: string[] = [];
  private content = '';
  private thinking = '';
  private doneReason: string | null = null;
  private sawDone = false;
  private stats: ChatResult['stats'] = { prompt_tokens: null, completion_tokens: null, total_duration_ns: null };
  tokens = 0;
  textBytes = 0;

  get complete(): boolean {
    return this.sawDone || this.doneReason !== null;
  }

  push(text: string): void {
    for (const line of this.lines.push(text)) this.line(line);
  }

  end(): void {
    for (const line of this.lines.flush()) this.line(line);
    this.dispatch();
  }

  snapshot(raw: string): ChatResult {
    return { content: this.content, thinking: this.thinking, done_reason: this.doneReason, stats: { ...this.stats }, raw_stream: raw };
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return; // SSE comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value); // event:, id:, retry: carry nothing we use
  }

  private dispatch(): void {
    if (this.data.length === 0) return;
    const data = this.data.join('\n');
    this.data = [];
    if (this.sawDone) return;
    if (data.trim() === '[DONE]') {
      this.sawDone = true;
      return;
    }
    let obj: unknown;
    try {
      obj = JSON.parse(data);
    } catch {
      obj = undefined;
    }
    if (!isObject(obj)) {
      const excerpt = data.length > 80 ? data.slice(0, 77) + '...' : data;
      throw new StreamFault('malformed-reply', `the model server sent a stream event that is not a JSON object (${JSON.stringify(excerpt)}): check that --base-url points at an OpenAI-compatible server; the partial reply is kept`);
    }
    if ('error' in obj) {
      throw new StreamFault('stream-error', `the model server reported an error mid-reply: ${serverErrorText(data)}: check the server log; the partial reply is kept`);
    }
    const choice = Array.isArray(obj['choices']) && isObject(obj['choices'][0]) ? obj['choices'][0] : null;
    if (choice) {
      const delta = isObject(choice['delta']) ? choice['delta'] : {};
      const content = str(delta['content']) ?? '';
      const thinking = str(delta['reasoning_content']) ?? str(delta['reasoning']) ?? '';
      this.content += content;
      this.thinking += thinking;
      this.textBytes += Buffer.byteLength(content) + Buffer.byteLength(thinking);
      if (content !== '' || thinking !== '') this.tokens++;
      const finish = str(choice['finish_reason']);
      if (finish !== null) this.doneReason = finish;
    }
    if (isObject(obj['usage'])) {
      this.stats = {
        prompt_tokens: num(obj['usage']['prompt_tokens']),
        completion_tokens: num(obj['usage']['completion_tokens']),
        total_duration_ns: null,
      };
    }
  }
}
