/**
 * An in-process stand-in for an Ollama server, for tests only (never imported from src/).
 *
 * It answers the endpoints the tool uses with the shapes, status codes and error wordings of the
 * real server (checked against ollama/ollama server/routes.go and docs/api): /api/chat (NDJSON
 * stream or stream:false), /api/tags, /api/show, /api/version, and the OpenAI-compatible
 * /v1/chat/completions (SSE) and /v1/models. Chat replies are scripted per test; faults
 * reproduce what goes wrong in real life (HTTP 500, error line inside a 200 stream, stream that
 * stops early, hung server, garbage line).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ollamaChunk, ollamaDone, ollamaError, ollamaWhole, openaiError, planReply, splitTokens, SseWriter,
  type FakeReply, type Piece,
} from './fake-ollama-render.js';

export type { FakeFault, FakeReply, FakeContentReply, FakeFaultReply } from './fake-ollama-render.js';

export interface FakeModel {
  name: string;
  digest?: string;
  context_length?: number;
  family?: string;
  parameter_size?: string;
  quantization_level?: string;
  /** Ollama capabilities: 'completion', 'tools', 'thinking', ... A think:true request needs 'thinking'. */
  capabilities?: string[];
  /** The PARAMETER block as /api/show prints it. */
  parameters?: string;
  size?: number;
}

export interface FakeRequest {
  method: string;
  path: string;
  /** The raw body as received, for byte-for-byte assertions. */
  body: string;
  headers: IncomingHttpHeaders;
}

export interface FakeChatRequest {
  path: '/api/chat' | '/v1/chat/completions';
  body: Record<string, unknown>;
}

export interface FakeOllamaOptions {
  models?: FakeModel[];
  version?: string;
  /** Pause between stream writes (default 0: still one event-loop turn apart). */
  chunkDelayMs?: number;
  /** Write every stream line in two pieces, so clients must reassemble lines across reads. */
  fragmentLines?: boolean;
}

export interface FakeOllama {
  readonly url: string;
  readonly requests: FakeRequest[];
  setModels(models: FakeModel[]): void;
  /** Replies are used in order, one per chat request that reaches the model. */
  enqueueReply(...replies: FakeReply[]): void;
  /** Consulted when the queue is empty. */
  onChat(handler: ((req: FakeChatRequest) => FakeReply) | null): void;
  close(): Promise<void>;
}

export const DEFAULT_FAKE_MODELS: FakeModel[] = [
  { name: 'qwen2.5-coder:7b', family: 'qwen2', parameter_size: '7.6B', quantization_level: 'Q4_K_M', context_length: 32768, capabilities: ['completion', 'tools', 'insert'] },
  { name: 'qwen3:8b', family: 'qwen3', parameter_size: '8.2B', quantization_level: 'Q4_K_M', context_length: 40960, capabilities: ['completion', 'tools', 'thinking'], parameters: 'repeat_penalty                 1\nstop                           "<|im_start|>"\nstop                           "<|im_end|>"\ntemperature                    0.6\ntop_k                          20\ntop_p                          0.95' },
];

const MODIFIED_AT = '2025-06-01T10:00:00.000000000Z';
const sleep = (ms: number) => new Promise<void>((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));
const digestOf = (m: FakeModel) => m.digest ?? createHash('sha256').update(m.name).digest('hex');
const withTag = (n: string) => (/:[^/]*$/.test(n) ? n : `${n}:latest`);

export async function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
  let models = options.models ?? DEFAULT_FAKE_MODELS;
  const queue: FakeReply[] = [];
  let handler: ((req: FakeChatRequest) => FakeReply) | null = null;
  const requests: FakeRequest[] = [];
  let nextId = 1;

  const find = (name: unknown) => (typeof name === 'string' && name !== '' ? models.find((m) => withTag(m.name) === withTag(name)) : undefined);

  const send = (res: ServerResponse, status: number, body: string, type = 'application/json; charset=utf-8') => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  };

  /** Writes stream lines one by one, like a model producing tokens; stops if the client went away. */
  async function writeLines(res: ServerResponse, lines: string[]): Promise<void> {
    for (const line of lines) {
      if (res.destroyed) return;
      if (options.fragmentLines && line.length > 1) {
        const cut = Math.floor(line.length / 2);
        res.write(line.slice(0, cut));
        await sleep(options.chunkDelayMs ?? 0);
        if (res.destroyed) return;
        res.write(line.slice(cut));
      } else {
        res.write(line);
      }
      await sleep(options.chunkDelayMs ?? 0);
    }
  }

  function nextReply(req: FakeChatRequest): FakeReply {
    const scripted = queue.shift() ?? handler?.(req);
    return scripted ?? { fault: 'http500', error: `fake-ollama: no reply scripted for this ${req.path} request` };
  }

  function promptText(body: Record<string, unknown>): string {
    const msgs = Array.isArray(body['messages']) ? (body['messages'] as Array<{ content?: unknown }>) : [];
    return msgs.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');
  }

  async function chat(res: ServerResponse, body: Record<string, unknown>): Promise<void> {
    const model = find(body['model']);
    const name = String(body['model'] ?? '');
    if (name === '') return send(res, 400, ollamaError('model is required'));
    if (!model) return send(res, 404, ollamaError(`model "${name}" not found, try pulling it first`));
    if (body['think'] === true && !(model.capabilities ?? []).includes('thinking')) {
      return send(res, 400, ollamaError(`"${name}" does not support thinking`));
    }
    const stream = body['stream'] !== false;
    if (!Array.isArray(body['messages']) || body['messages'].length === 0) {
      // Ollama's "load the model" answer to an empty chat.
      const load = { model: name, created_at: new Date().toISOString(), message: { role: 'assistant', content: '' }, done_reason: 'load', done: true };
      return send(res, 200, JSON.stringify(load) + (stream ? '\n' : ''), stream ? 'application/x-ndjson' : undefined);
    }
    const reply = nextReply({ path: '/api/chat', body });
    const options = (body['options'] ?? {}) as Record<string, unknown>;
    if ('fault' in reply) {
      const error = reply.error ?? (reply.fault === 'http500' ? 'llama runner process has terminated: exit status 2' : 'an error was encountered while running the model');
      if (reply.fault === 'http500' || (!stream && reply.fault === 'error-in-stream')) return send(res, 500, ollamaError(error));
      res.writeHead(200, { 'content-type': stream ? 'application/x-ndjson' : 'application/json; charset=utf-8' });
      const before = splitTokens(reply.content ?? '').map((content): Piece => ({ content, thinking: '' }));
      if (stream) await writeLines(res, before.map((p) => ollamaChunk(name, p) + '\n'));
      if (reply.fault === 'hang') return; // headers sent, then silence until the client gives up or close()
      if (reply.fault === 'error-in-stream') await writeLines(res, [ollamaError(error) + '\n']);
      if (reply.fault === 'malformed-json') await writeLines(res, [`{"model":"${name}","created_at":"${new Date().toISOString()}","message":{"role":"assistant","content":\n`]);
      res.end(); // 'cut-short' ends here: no done:true line ever comes
      return;
    }
    const plan = planReply(reply, options['num_predict'], promptText(body));
    await sleep(reply.loadMs ?? 0);
    if (!stream) return send(res, 200, ollamaWhole(name, plan));
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    await writeLines(res, [...plan.pieces.map((p) => ollamaChunk(name, p) + '\n'), ollamaDone(name, plan) + '\n']);
    res.end();
  }

  async function openaiChat(res: ServerResponse, body: Record<string, unknown>): Promise<void> {
    const name = String(body['model'] ?? '');
    if (!find(body['model'])) return send(res, 404, openaiError(404, `model "${name}" not found, try pulling it first`));
    const reply = nextReply({ path: '/v1/chat/completions', body });
    const stream = body['stream'] === true; // OpenAI's default is not to stream
    const sse = new SseWriter(`chatcmpl-${nextId++}`, name);
    if ('fault' in reply) {
      const error = reply.error ?? 'an error was encountered while running the model';
      if (reply.fault === 'http500' || (!stream && reply.fault === 'error-in-stream')) return send(res, 500, openaiError(500, error));
      res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json; charset=utf-8' });
      if (stream) await writeLines(res, splitTokens(reply.content ?? '').map((content) => sse.chunk({ content, thinking: '' })));
      if (reply.fault === 'hang') return;
      if (reply.fault === 'error-in-stream') await writeLines(res, [`data: ${openaiError(500, error)}\n\n`]);
      if (reply.fault === 'malformed-json') await writeLines(res, ['data: {"id":"chatcmpl-x","choices":[{"delta":\n\n']);
      res.end();
      return;
    }
    const plan = planReply(reply, body['max_tokens'], promptText(body));
    if (!stream) return send(res, 200, sse.whole(plan));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const lines = plan.pieces.map((p) => sse.chunk(p));
    lines.push(sse.chunk({ content: '', thinking: '' }, plan.doneReason));
    const streamOptions = body['stream_options'] as { include_usage?: unknown } | undefined;
    if (streamOptions?.include_usage === true) lines.push(sse.usage(plan));
    lines.push('data: [DONE]\n\n');
    await writeLines(res, lines);
    res.end();
  }

  function tags() {
    return {
      models: models.map((m) => ({
        name: m.name,
        model: m.name,
        modified_at: MODIFIED_AT,
        size: m.size ?? 4_683_087_332,
        digest: digestOf(m),
        details: { parent_model: '', format: 'gguf', family: m.family ?? 'llama', families: [m.family ?? 'llama'], parameter_size: m.parameter_size ?? '7B', quantization_level: m.quantization_level ?? 'Q4_K_M' },
      })),
    };
  }

  function show(m: FakeModel) {
    const arch = m.family ?? 'llama';
    const parameters = m.parameters;
    return {
      license: 'Apache License 2.0',
      modelfile: `# Modelfile generated by "ollama show"\nFROM /root/.ollama/models/blobs/sha256-${digestOf(m)}\n`,
      ...(parameters ? { parameters } : {}), // omitempty, like the real server
      template: '{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n',
      details: tags().models.find((t) => t.name === m.name)?.details,
      model_info: {
        'general.architecture': arch,
        'general.parameter_count': 7_615_616_512,
        [`${arch}.context_length`]: m.context_length ?? 32768,
        [`${arch}.embedding_length`]: 3584,
      },
      capabilities: m.capabilities ?? ['completion'],
      modified_at: MODIFIED_AT,
    };
  }

  async function route(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const key = `${req.method} ${path}`;
    if (key === 'GET /' || key === 'HEAD /') return send(res, 200, 'Ollama is running', 'text/plain; charset=utf-8');
    if (key === 'GET /api/version') return send(res, 200, JSON.stringify({ version: options.version ?? '0.9.6' }));
    if (key === 'GET /api/tags') return send(res, 200, JSON.stringify(tags()));
    if (key === 'GET /v1/models') {
      const data = models.map((m) => ({ id: m.name, object: 'model', created: Date.parse(MODIFIED_AT) / 1000, owned_by: 'library' }));
      return send(res, 200, JSON.stringify({ object: 'list', data }));
    }
    const isPost = key === 'POST /api/chat' || key === 'POST /api/show' || key === 'POST /v1/chat/completions';
    if (!isPost) return send(res, 404, '404 page not found', 'text/plain'); // gin's default for unknown routes
    if (raw.trim() === '') return send(res, 400, ollamaError('missing request body'));
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return send(res, 400, ollamaError('invalid character in request body'));
    }
    if (path === '/api/chat') return chat(res, body);
    if (path === '/v1/chat/completions') return openaiChat(res, body);
    const name = String(body['model'] ?? body['name'] ?? '');
    if (name === '') return send(res, 400, ollamaError('model is required'));
    const model = find(name);
    if (!model) return send(res, 404, ollamaError(`model '${name}' not found`));
    return send(res, 200, JSON.stringify(show(model)));
  }

  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      requests.push({ method: req.method ?? '', path: new URL(req.url ?? '/', 'http://fake').pathname, body, headers: req.headers });
      route(req, res, body).catch((err: unknown) => {
        if (!res.headersSent) send(res, 500, ollamaError(`fake-ollama crashed: ${String(err)}`));
        else res.destroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setModels(next) {
      models = next;
    },
    enqueueReply(...replies) {
      queue.push(...replies);
    },
    onChat(h) {
      handler = h;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections(); // hung streams and keep-alive sockets would keep close() waiting
      });
    },
  };
}
