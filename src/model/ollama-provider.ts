import { canonicalJson } from './canonical-json.js';
import { fetchJson, LineBuffer, METADATA_TIMEOUT_MS, serverErrorText, StreamFault, streamChat, type ServerHints, type StreamAssembler } from './http-call.js';
import { ModelRequestError, serverHas, type ModelFailureReason } from './model-request-error.js';
import type { ChatInput, ChatOptions, ChatResult, ModelInfo, ModelProvider } from './types.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Ollama treats "name" and "name:latest" as the same model. */
function sameModel(a: unknown, b: string): boolean {
  if (typeof a !== 'string') return false;
  const full = (n: string) => (/:[^/]*$/.test(n) ? n : `${n}:latest`);
  return a === b || full(a) === full(b);
}

export class OllamaProvider implements ModelProvider {
  readonly kind = 'ollama' as const;

  constructor(readonly baseUrl: string) {}

  /**
   * truncate:false and shift:false because Ollama's defaults would silently drop the start of an
   * over-long prompt or slide the context window mid-reply; we would rather get an error than a
   * plan made from half a spec. keep_alive is left to the server.
   */
  buildChatBody(input: ChatInput): string {
    const p = input.params;
    return canonicalJson({
      model: input.model,
      messages: input.messages.map((m) => ({ role: m.role, content: m.content })),
      stream: true,
      format: input.format,
      think: p.think,
      truncate: false,
      shift: false,
      options: {
        temperature: p.temperature,
        seed: p.seed,
        top_k: p.top_k,
        top_p: p.top_p,
        repeat_penalty: p.repeat_penalty,
        num_ctx: p.num_ctx,
        num_predict: p.num_predict,
      },
    });
  }

  sendChat(body: string, options: ChatOptions): Promise<ChatResult> {
    return streamChat({
      url: `${this.baseUrl}/api/chat`,
      body,
      options,
      hints: this.hints(modelOf(body)),
      assembler: new OllamaAssembler(),
    });
  }

  async listModels(): Promise<ModelInfo[]> {
    return (await this.tags()).map((m) => fromTag(m));
  }

  async showModel(name: string): Promise<ModelInfo> {
    const entry = await this.tagOf(name);
    const show = await fetchJson({
      url: `${this.baseUrl}/api/show`,
      hints: this.hints(name),
      timeoutMs: METADATA_TIMEOUT_MS,
      init: { method: 'POST', body: JSON.stringify({ model: name }) },
    });
    if (!isObject(show)) throw this.malformed('/api/show');
    const info = fromTag(entry);
    const details = isObject(show['details']) ? show['details'] : {};
    return {
      ...info,
      context_length: contextLength(show['model_info']),
      // /api/show leaves "parameters" out when the Modelfile sets none.
      parameters: str(show['parameters']) ?? '',
      family: str(details['family']) || info.family,
      parameter_size: str(details['parameter_size']) || info.parameter_size,
      quantization_level: str(details['quantization_level']) || info.quantization_level,
    };
  }

  /** /api/tags alone: the digest is there, and /api/show has nothing the check before a call needs. */
  async modelDigest(name: string, options: { signal?: AbortSignal } = {}): Promise<string | null> {
    return fromTag(await this.tagOf(name, options.signal)).digest;
  }

  async serverVersion(): Promise<string | null> {
    try {
      const v = await fetchJson({ url: `${this.baseUrl}/api/version`, hints: this.hints(null), timeoutMs: METADATA_TIMEOUT_MS });
      return isObject(v) ? str(v['version']) : null;
    } catch (err) {
      // A server without /api/version is not Ollama (or a very old one): not knowing is an answer.
      if (err instanceof ModelRequestError && err.status === 404) return null;
      throw err;
    }
  }

  private async tags(signal?: AbortSignal): Promise<Json[]> {
    const tags = await fetchJson({ url: `${this.baseUrl}/api/tags`, hints: this.hints(null), timeoutMs: METADATA_TIMEOUT_MS, ...(signal ? { signal } : {}) });
    if (!isObject(tags) || !Array.isArray(tags['models'])) throw this.malformed('/api/tags');
    return tags['models'].filter(isObject);
  }

  private async tagOf(name: string, signal?: AbortSignal): Promise<Json> {
    const tags = await this.tags(signal);
    const entry = tags.find((m) => sameModel(m['name'], name) || sameModel(m['model'], name));
    if (!entry) throw missingModel(name, `${this.baseUrl}/api/tags`, tags.map((m) => fromTag(m).name));
    return entry;
  }

  private malformed(path: string): ModelRequestError {
    return new ModelRequestError(`the server at ${this.baseUrl} answered ${path} in an unexpected shape: check that --base-url points at an Ollama server`, { url: this.baseUrl + path, reason: 'malformed-reply' });
  }

  private hints(model: string | null): ServerHints {
    const baseUrl = this.baseUrl;
    return {
      baseUrl,
      unreachableHint: 'start Ollama (`ollama serve`) or pass --base-url',
      describeHttpError(status, bodyText, path): { message: string; reason: ModelFailureReason } {
        const text = serverErrorText(bodyText);
        const isJson = bodyText.trimStart().startsWith('{');
        if (status === 404 && isJson && /not found/i.test(text) && model !== null) {
          return { message: missingModelMessage(model), reason: 'model-missing' };
        }
        if (status === 404 && !isJson) {
          return { message: `the server at ${baseUrl} has no ${path} endpoint (HTTP 404): check that --base-url points at an Ollama server, or use the openai provider`, reason: 'http-error' };
        }
        if (status === 400 && /does not support thinking/i.test(text)) {
          return { message: `model '${model ?? '?'}' does not support thinking (HTTP 400 from ${path}): set think to false in the pack manifest`, reason: 'http-error' };
        }
        return { message: `the model server answered HTTP ${status} to ${path}: ${text}: check the Ollama server log (\`ollama serve\` output)`, reason: 'http-error' };
      },
    };
  }
}

function modelOf(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as unknown;
    return isObject(parsed) ? str(parsed['model']) : null;
  } catch {
    return null;
  }
}

const missingModelMessage = (name: string) => `model '${name}' not found on the server: run \`ollama pull ${name}\``;

/** A mistyped name is the usual cause, so the names the server does have are part of the message. */
function missingModel(name: string, url: string, available: string[]): ModelRequestError {
  const message = `model '${name}' not found on the server (${serverHas(available)}): run \`ollama pull ${name}\`, or give a name the server has`;
  return new ModelRequestError(message, { url, reason: 'model-missing', status: 404 });
}


function fromTag(m: Json): ModelInfo {
  const details = isObject(m['details']) ? m['details'] : {};
  return {
    name: str(m['name']) ?? str(m['model']) ?? '',
    digest: str(m['digest']),
    context_length: null,
    parameters: null,
    family: str(details['family']) || null,
    parameter_size: str(details['parameter_size']) || null,
    quantization_level: str(details['quantization_level']) || null,
  };
}

/** model_info has '<arch>.context_length' where <arch> is 'general.architecture' (llama, qwen2, ...). */
function contextLength(modelInfo: unknown): number | null {
  if (!isObject(modelInfo)) return null;
  const arch = str(modelInfo['general.architecture']);
  if (arch !== null) return num(modelInfo[`${arch}.context_length`]);
  const key = Object.keys(modelInfo).find((k) => k.endsWith('.context_length'));
  return key ? num(modelInfo[key]) : null;
}

/** Assembles Ollama's NDJSON stream: one JSON object per line, the last one with done:true and the stats. */
class OllamaAssembler implements StreamAssembler {
  private readonly lines = new LineBuffer();
  private content = '';
  private thinking = '';
  private doneReason: string | null = null;
  private stats: ChatResult['stats'] = { prompt_tokens: null, completion_tokens: null, total_duration_ns: null };
  complete = false;
  tokens = 0;
  textBytes = 0;

  push(text: string): void {
    for (const line of this.lines.push(text)) this.line(line);
  }

  end(): void {
    for (const line of this.lines.flush()) this.line(line);
  }

  snapshot(raw: string): ChatResult {
    return { content: this.content, thinking: this.thinking, done_reason: this.doneReason, stats: { ...this.stats }, raw_stream: raw };
  }

  private line(line: string): void {
    if (line.trim() === '' || this.complete) return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      obj = undefined;
    }
    if (!isObject(obj)) {
      const excerpt = line.length > 80 ? line.slice(0, 77) + '...' : line;
      throw new StreamFault('malformed-reply', `the model server sent a stream line that is not a JSON object (${JSON.stringify(excerpt)}): check that --base-url points at an Ollama server; the partial reply is kept`);
    }
    if ('error' in obj) {
      throw new StreamFault('stream-error', `the model server reported an error mid-reply: ${serverErrorText(line)}: check the Ollama server log; the partial reply is kept`);
    }
    const message = isObject(obj['message']) ? obj['message'] : {};
    const content = str(message['content']) ?? '';
    const thinking = str(message['thinking']) ?? '';
    this.content += content;
    this.thinking += thinking;
    this.textBytes += Buffer.byteLength(content) + Buffer.byteLength(thinking);
    if (content !== '' || thinking !== '') this.tokens++;
    if (obj['done'] === true) {
      this.complete = true;
      this.doneReason = str(obj['done_reason']);
      this.stats = {
        prompt_tokens: num(obj['prompt_eval_count']),
        completion_tokens: num(obj['eval_count']),
        total_duration_ns: num(obj['total_duration']),
      };
    }
  }
}
