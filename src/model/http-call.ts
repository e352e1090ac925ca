import type { IncomingMessage } from 'node:http';
import { connectTargets, refusedBeforeConnecting } from './connect-target.js';
import { ModelRequestError, type ModelFailureReason } from './model-request-error.js';
import type { ChatOptions, ChatResult } from './types.js';

/** Listing and showing models is quick on a healthy server; this only guards against a stuck one. */
export const METADATA_TIMEOUT_MS = 30_000;

/** What the shared HTTP code needs to know about the server to word its errors. */
export interface ServerHints {
  baseUrl: string;
  /** What to do when nothing answers, e.g. "start Ollama (`ollama serve`) or pass --base-url". */
  unreachableHint: string;
  /** Turns a non-2xx answer into a one-line message (and says whether it means a missing model). */
  describeHttpError(status: number, bodyText: string, path: string): { message: string; reason: ModelFailureReason };
}

/** Provider-specific stream parsing; throws StreamFault for what the protocol forbids. */
export interface StreamAssembler {
  push(text: string): void;
  /** Called once when the body ends cleanly; flushes any last line without a newline. */
  end(): void;
  /** Whether the server said the reply is finished (done:true, [DONE], finish_reason). */
  readonly complete: boolean;
  /** Chunks that carried text so far (progress reporting). */
  readonly tokens: number;
  /** UTF-8 bytes of content and thinking so far (the reply size limit). */
  readonly textBytes: number;
  snapshot(raw: string): ChatResult;
}

export class StreamFault extends Error {
  constructor(
    readonly reason: 'stream-error' | 'malformed-reply',
    message: string,
  ) {
    super(message);
  }
}

/**
 * One timer and one AbortController for a whole call. The caller's signal and our timeout both
 * abort the same controller; the flags say which one fired, because the error an aborted request
 * fails with does not tell them apart.
 */
class CallGuard {
  readonly controller = new AbortController();
  timedOut = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onExternalAbort = (): void => this.controller.abort();

  constructor(
    timeoutMs: number,
    private readonly external?: AbortSignal,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, timeoutMs);
    // A signal aborted already would never fire its event.
    if (external?.aborted) this.controller.abort();
    else external?.addEventListener('abort', this.onExternalAbort, { once: true });
  }

  get externallyAborted(): boolean {
    return this.external?.aborted === true && !this.timedOut;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.external?.removeEventListener('abort', this.onExternalAbort);
  }
}

export function secondsText(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(s < 10 ? 1 : 0)} s`;
}

/** Server error text as one short line: `{"error":"..."}`, `{"error":{"message":"..."}}`, or the raw text. */
export function serverErrorText(bodyText: string): string {
  let text = bodyText;
  try {
    const parsed = JSON.parse(bodyText) as { error?: unknown; message?: unknown };
    const err = parsed.error;
    if (typeof err === 'string') text = err;
    else if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') {
      text = (err as { message: string }).message;
    } else if (typeof parsed.message === 'string') text = parsed.message;
  } catch {
    // not JSON: the raw text is the best we have
  }
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? line.slice(0, 297) + '...' : line || '(empty body)';
}

function networkCode(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return null;
}

function unreachable(hints: ServerHints, url: string, err: unknown, partial: ChatResult | null = null): ModelRequestError {
  const code = networkCode(err);
  return new ModelRequestError(
    `cannot reach the model server at ${hints.baseUrl}${code ? ` (${code})` : ''}: ${hints.unreachableHint}`,
    { url, reason: 'unreachable', cause: err, partial },
  );
}

function emptyResult(raw: string): ChatResult {
  const stats = { prompt_tokens: null, completion_tokens: null, total_duration_ns: null };
  return { content: '', thinking: '', done_reason: null, stats, raw_stream: raw };
}

interface ServerRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

/**
 * One request with node:http (node:https for an https base URL), resolved when the status line and
 * headers have arrived. Not fetch: loading and starting Node's fetch costs a model call about
 * 100 ms before the first byte is sent.
 */
function send(url: string, init: ServerRequest): Promise<IncomingMessage> {
  const { request } = process.getBuiltinModule(url.startsWith('https:') ? 'node:https' : 'node:http') as typeof import('node:http');
  const headers = init.body === undefined ? init.headers : { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) };
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method, headers, signal: init.signal }, resolve);
    req.on('error', reject);
    req.end(init.body);
  });
}

/** A whole (small) body as text, decoded as fetch's text() does: UTF-8, a leading BOM dropped. */
async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}

const isOk = (response: IncomingMessage): boolean => response.statusCode! >= 200 && response.statusCode! < 300;

/**
 * A request with the two rules every request to the model server follows: a redirect is never
 * followed (it could point anywhere, and the run would record the address asked, not the one
 * that answered), and `localhost` is connected to at the loopback addresses it resolves to
 * (connect-target.ts). Network errors are left to the caller to classify.
 */
async function requestServer(url: string, init: ServerRequest, hints: ServerHints): Promise<IncomingMessage> {
  const targets = await connectTargets(url, hints.baseUrl);
  let response: IncomingMessage | null = null;
  for (let i = 0; response === null; i++) {
    try {
      response = await send(targets[i]!, init);
    } catch (err) {
      if (i + 1 < targets.length && refusedBeforeConnecting(err) && !init.signal.aborted) continue;
      throw err;
    }
  }
  const status = response.statusCode!;
  if (status >= 300 && status < 400) {
    const location = response.headers.location ?? null;
    response.destroy();
    const where = location === null ? 'without a Location' : `to ${JSON.stringify(location.length > 200 ? location.slice(0, 197) + '...' : location)}`;
    throw new ModelRequestError(
      `the model server at ${hints.baseUrl} answered ${new URL(url).pathname} with a redirect (${status}) ${where}, which is never followed: pass --base-url with the server's own address`,
      { url, reason: 'http-error', status },
    );
  }
  return response;
}

/** How many bytes of stream may carry one byte of reply text: Ollama spends ~120 bytes of JSON on a token of a few characters. */
const STREAM_BYTES_PER_TEXT_BYTE = 64;

/** POSTs a chat body and feeds the streamed answer to the assembler, under one timeout for the whole call. */
export async function streamChat(args: {
  url: string;
  body: string;
  options: ChatOptions;
  hints: ServerHints;
  assembler: StreamAssembler;
}): Promise<ChatResult> {
  const { url, body, options, hints, assembler } = args;
  const path = new URL(url).pathname;
  const started = Date.now();
  const guard = new CallGuard(options.timeoutMs, options.signal);
  let raw = '';
  let connected = false;
  let firstTokenMs: number | null = null;

  const fail = (reason: ModelFailureReason, message: string, extra: { status?: number; cause?: unknown } = {}) =>
    new ModelRequestError(message, { url, reason, ...extra, partial: connected ? assembler.snapshot(raw) : emptyResult(raw) });

  try {
    if (options.signal?.aborted) throw fail('aborted', 'the model call was aborted before it started');
    let response: IncomingMessage;
    try {
      response = await requestServer(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/x-ndjson, text/event-stream' },
        body,
        signal: guard.controller.signal,
      }, hints);
    } catch (err) {
      if (guard.controller.signal.aborted || err instanceof ModelRequestError) throw err; // classified below
      throw unreachable(hints, url, err, emptyResult(''));
    }
    const status = response.statusCode!;
    if (!isOk(response)) {
      const text = await readText(response);
      const { message, reason } = hints.describeHttpError(status, text, path);
      throw new ModelRequestError(message, { url, reason, status, body: text, partial: emptyResult(text) });
    }
    connected = true;

    const decoder = new TextDecoder('utf-8');
    const chunks = response[Symbol.asyncIterator]();
    try {
      for (;;) {
        let chunk: IteratorResult<Buffer>;
        try {
          chunk = await chunks.next();
        } catch (err) {
          if (guard.controller.signal.aborted) throw err;
          throw fail('cut-short', `the reply was cut short: the connection to ${hints.baseUrl} broke mid-stream (${networkCode(err) ?? 'closed'}); the partial reply is kept`, { status, cause: err });
        }
        if (chunk.done) break;
        const text = decoder.decode(chunk.value, { stream: true });
        raw += text;
        const before = assembler.tokens;
        assembler.push(text);
        if (options.maxReplyBytes !== undefined) overLimitCheck(assembler, raw, options.maxReplyBytes);
        if (assembler.tokens !== before) {
          const elapsedMs = Date.now() - started;
          firstTokenMs ??= elapsedMs;
          options.onProgress?.({ tokens: assembler.tokens, elapsedMs, firstTokenMs });
        }
      }
      const tail = decoder.decode();
      raw += tail;
      if (tail) assembler.push(tail);
      assembler.end();
    } finally {
      response.destroy();
    }
    if (!assembler.complete) {
      throw fail('cut-short', `the reply was cut short: the stream ended before the server marked it done (${raw.length} characters received); the partial reply is kept — check the server log`, { status });
    }
    return assembler.snapshot(raw);
  } catch (err) {
    if (err instanceof StreamFault) throw fail(err.reason, err.message, { cause: err });
    if (err instanceof ReplyOverLimit) throw fail('over-limit', err.message, { cause: err });
    if (err instanceof ModelRequestError) throw err;
    if (guard.timedOut) {
      throw fail('timeout', `no complete reply from the model within ${secondsText(options.timeoutMs)}: raise timeout_ms in the pack manifest (now ${options.timeoutMs}) or lower num_predict`, { cause: err });
    }
    if (guard.externallyAborted) throw fail('aborted', 'the model call was aborted', { cause: err });
    throw err;
  } finally {
    guard.dispose();
  }
}

class ReplyOverLimit extends Error {}

/**
 * Stops a reply as soon as it passes the limit, rather than after the whole of it has arrived:
 * a server that streams without end would otherwise fill memory first. The stream itself is
 * bounded too, for a server that sends bytes without text.
 */
function overLimitCheck(assembler: StreamAssembler, raw: string, maxReplyBytes: number): void {
  if (assembler.textBytes > maxReplyBytes) {
    throw new ReplyOverLimit(`the reply passed ${maxReplyBytes} bytes (${assembler.textBytes} received); the call was stopped there`);
  }
  if (raw.length > maxReplyBytes * STREAM_BYTES_PER_TEXT_BYTE) {
    throw new ReplyOverLimit(`the stream passed ${raw.length} characters with ${assembler.textBytes} bytes of reply; the call was stopped there`);
  }
}

/** GET or POST a small JSON document (model listing, version) with its own timeout. */
export async function fetchJson(args: {
  url: string;
  hints: ServerHints;
  timeoutMs: number;
  init?: { method: 'POST'; body: string };
  /** Stops the request (its caller no longer needs the answer). */
  signal?: AbortSignal;
}): Promise<unknown> {
  const { url, hints, timeoutMs, init } = args;
  const path = new URL(url).pathname;
  const guard = new CallGuard(timeoutMs, args.signal);
  try {
    let response: IncomingMessage;
    let text: string;
    try {
      response = await requestServer(url, {
        method: init?.method ?? 'GET',
        headers: init ? { 'content-type': 'application/json' } : {},
        body: init?.body,
        signal: guard.controller.signal,
      }, hints);
      text = await readText(response);
    } catch (err) {
      if (err instanceof ModelRequestError) throw err;
      if (guard.timedOut) {
        throw new ModelRequestError(`the model server at ${hints.baseUrl} did not answer ${path} within ${secondsText(timeoutMs)}: check that it is not stuck or overloaded`, { url, reason: 'timeout', cause: err });
      }
      throw unreachable(hints, url, err);
    }
    const status = response.statusCode!;
    if (!isOk(response)) {
      const { message, reason } = hints.describeHttpError(status, text, path);
      throw new ModelRequestError(message, { url, reason, status, body: text });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new ModelRequestError(`the model server at ${hints.baseUrl} answered ${path} with something that is not JSON: check that --base-url points at the right server`, { url, reason: 'malformed-reply', status, body: text, cause: err });
    }
  } finally {
    guard.dispose();
  }
}

/** Splits streamed text into complete lines, holding back a trailing partial line. */
export class LineBuffer {
  private pending = '';

  push(text: string): string[] {
    this.pending += text;
    const parts = this.pending.split('\n');
    this.pending = parts.pop() ?? '';
    return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }

  flush(): string[] {
    const last = this.pending;
    this.pending = '';
    return last === '' ? [] : [last.endsWith('\r') ? last.slice(0, -1) : last];
  }
}
