/**
 * `npm run bench:embedded`: tokens per second of the embedded provider on a tiny GGUF model the
 * script writes itself, as a ratio to node-llama-cpp driven directly on the same model, prompt,
 * context and sampling in the same process — the tool's own overhead (request record, stop and
 * progress bookkeeping, grammar set-up, context per call).
 *
 * Two workloads: plain text (the executor's kind of call) and the plan's JSON grammar. Each is run
 * ROUNDS times, alternating tool and baseline; the medians are reported. CPU, one thread unless
 * LLM_ORCHESTRATOR_THREADS says otherwise. Options: --tokens N (default 256), --rounds N (5).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getLlama, LlamaGrammarEvaluationState, LlamaText, type Token } from 'node-llama-cpp';
import { plannerMessages } from '../src/core/prompts.js';
import { EmbeddedProvider } from '../src/model/embedded/embedded-provider.js';
import { planJsonSchema } from '../src/schema/plan.js';
import { writeTinyGguf } from '../test/support/gguf-writer.js';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const TOKENS = arg('tokens', 256);
const ROUNDS = arg('rounds', 5);

process.env['NODE_LLAMA_CPP_GPU'] ??= 'false';
process.env['LLM_ORCHESTRATOR_THREADS'] ??= '1';
const threads = Number(process.env['LLM_ORCHESTRATOR_THREADS']);

const dir = mkdtempSync(path.join(tmpdir(), 'bench-embedded-'));
const model = path.join(dir, 'tiny.gguf');
// Wider and deeper than the tests' model, so a token costs more than the bookkeeping around it.
writeTinyGguf(model, { embedding: 256, blocks: 4, heads: 8, headsKv: 4, feedForward: 512 });

const generation = { temperature: 0, seed: 42, top_k: 40, top_p: 0.9, repeat_penalty: 1, num_ctx: 4096, num_predict: TOKENS, think: false };
const messages = plannerMessages('You write plans.', '# Greeting\n\nMake greet() default to "world".\n', 'src/app.js', planJsonSchema());

const provider = new EmbeddedProvider({ ...process.env, XDG_CACHE_HOME: path.join(dir, 'cache') });
await provider.showModel(model);
const llama = await getLlama({ gpu: false, build: 'never', maxThreads: threads });
const direct = await llama.loadModel({ modelPath: model });

async function viaTool(format: Record<string, unknown> | undefined): Promise<{ tokens: number; ms: number }> {
  const body = provider.buildChatBody({ model, messages, ...(format ? { format } : {}), params: generation });
  const started = performance.now();
  const result = await provider.sendChat(body, { timeoutMs: 600_000 });
  return { tokens: result.stats.completion_tokens ?? 0, ms: performance.now() - started };
}

async function viaEngine(format: Record<string, unknown> | undefined): Promise<{ tokens: number; ms: number }> {
  // The same prompt tokens and grammar text the tool would use, prepared outside the timing.
  const request = JSON.parse(provider.buildChatBody({ model, messages, ...(format ? { format } : {}), params: generation })) as { prompt: never; grammar: string | null };
  const prompt = LlamaText.fromJSON(request.prompt).tokenize(direct.tokenizer);
  const started = performance.now();
  const context = await direct.createContext({ contextSize: generation.num_ctx, sequences: 1, batchSize: 512 });
  const grammar = request.grammar ? await llama.createGrammar({ grammar: request.grammar }) : null;
  const out: Token[] = [];
  try {
    for await (const token of context.getSequence().evaluate(prompt, {
      temperature: 0,
      ...(grammar ? { grammarEvaluationState: new LlamaGrammarEvaluationState({ model: direct, grammar }) } : {}),
      yieldEogToken: true,
    })) {
      if (direct.isEogToken(token)) break;
      out.push(token);
      if (out.length >= TOKENS) break;
    }
  } finally {
    await context.dispose();
  }
  return { tokens: out.length, ms: performance.now() - started };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

console.log(`bench:embedded — tiny llama model (256 wide, 4 blocks), CPU, ${threads} thread(s), up to ${TOKENS} tokens, ${ROUNDS} rounds, medians`);
console.log('| workload | tokens | tool tok/s | node-llama-cpp tok/s | tool / direct |');
console.log('| --- | --- | --- | --- | --- |');
for (const [name, format] of [['plain text', undefined], ['plan JSON grammar', planJsonSchema()]] as const) {
  await viaTool(format); // warm-up: first-call allocations
  await viaEngine(format);
  const tool: number[] = [];
  const engine: number[] = [];
  let tokens = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const a = await viaTool(format);
    const b = await viaEngine(format);
    if (a.tokens !== b.tokens) throw new Error(`${name}: the tool generated ${a.tokens} tokens, node-llama-cpp ${b.tokens}: not the same work`);
    tokens = a.tokens;
    tool.push((a.tokens / a.ms) * 1000);
    engine.push((b.tokens / b.ms) * 1000);
  }
  const t = median(tool);
  const e = median(engine);
  console.log(`| ${name} | ${tokens} | ${t.toFixed(1)} | ${e.toFixed(1)} | ${(t / e).toFixed(3)} |`);
}
await direct.dispose();
rmSync(dir, { recursive: true, force: true });
