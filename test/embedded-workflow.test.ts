/**
 * The embedded provider end to end: the built CLI runs the real node-llama-cpp (llama.cpp, CPU)
 * on a tiny GGUF model the test writes itself (test/support/gguf-writer.ts) — nothing is
 * downloaded and no server runs.
 */
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execFile } from 'node:child_process';
import { DEFAULT_PACK_DIR, PACKAGE_ROOT } from '../src/package-info.js';
import { plannerMessages } from '../src/core/prompts.js';
import { EmbeddedProvider } from '../src/model/embedded/embedded-provider.js';
import { ModelRequestError } from '../src/model/model-request-error.js';
import { planJsonSchema, validatePlan } from '../src/schema/plan.js';
import { runCli, type CliResult } from './support/cli.js';
import { makeRepo } from './support/git-fixture.js';
import { tinyGguf, writeTinyGguf } from './support/gguf-writer.js';

const SPEC = '# Greeting\n\nMake greet() default to "world".\n';

describe('embedded provider: GGUF models in-process through node-llama-cpp', () => {
  let dir: string;
  let repo: string;
  let model: string;
  let env: Record<string, string>;
  const cli = (args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> => runCli(args, { cwd: repo, env: { ...env, ...extraEnv } });
  const runFile = (run: string, rel: string) => readFileSync(path.join(repo, 'runs', run, rel));
  const init = async (modelArg: string, extra: string[] = [], extraEnv: Record<string, string> = {}): Promise<string> => {
    const result = await cli(['init', '--spec', 'spec.md', '--provider', 'embedded', '--planner-model', modelArg, '--executor-model', modelArg, ...extra], extraEnv);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.trim();
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-embedded-'));
    model = path.join(dir, 'tiny.gguf');
    writeTinyGguf(model);
    ({ root: repo } = await makeRepo({ 'src/app.js': 'export const greet = (name) => `Hello ${name}`;\n' }));
    writeFileSync(path.join(repo, 'spec.md'), SPEC);
    // CPU only and one thread: the same arithmetic on every machine, and no oversubscription of
    // CI's two cores. The digest cache goes to the test's own folder.
    env = { NODE_LLAMA_CPP_GPU: 'false', LLM_ORCHESTRATOR_THREADS: '1', XDG_CACHE_HOME: path.join(dir, 'cache'), OLLAMA_MODELS: path.join(dir, 'no-ollama-store') };
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(repo, { recursive: true, force: true });
  });

  test('the written model is a few hundred KB', () => {
    const bytes = tinyGguf().length;
    assert.ok(bytes > 100_000 && bytes < 1_000_000, `${bytes} bytes`);
  });

  test('plan: a schema-valid plan under the grammar; two processes give byte-identical records; replay agrees', async () => {
    const runs = [await init(model), await init(model)];
    assert.notEqual(runs[0], runs[1]);
    const manifest = JSON.parse(runFile(runs[0]!, 'manifest.json').toString());
    assert.equal(manifest.provider, 'embedded');
    assert.equal(manifest.base_url, 'in-process');
    assert.match(manifest.server.version, /^node-llama-cpp \d+\.\d+\.\d+ \(llama\.cpp .*, cpu\)$/);
    assert.equal(manifest.models.planner.name, model);
    const { createHash } = await import('node:crypto');
    assert.equal(manifest.models.planner.digest, createHash('sha256').update(readFileSync(model)).digest('hex'));
    assert.equal(manifest.models.planner.context_length, 4096);

    // Two processes at once: each has its own engine, and one thread each fits CI's two cores.
    for (const result of await Promise.all(runs.map((run) => cli(['plan', '--run', run])))) assert.equal(result.code, 0, result.stderr);
    const [a, b] = runs as [string, string];

    const raw = runFile(a, 'plan/plan.raw.txt').toString();
    const validation = validatePlan(JSON.parse(raw));
    assert.ok(validation.ok, JSON.stringify(validation.errors));
    const request = JSON.parse(runFile(a, 'plan/plan.request.json').toString());
    assert.equal(request.engine, 'node-llama-cpp');
    assert.equal(request.model, model);
    assert.equal(request.context_size, manifest.generation.num_ctx);
    assert.equal(request.max_tokens, manifest.generation.num_predict);
    assert.deepEqual(request.sampling, { temperature: 0, seed: 42, top_k: 40, top_p: 0.9, repeat_penalty: 1 });
    assert.match(request.grammar, /^root ::= /);
    assert.ok(Array.isArray(request.prompt) && request.prompt.length > 0);
    const response = JSON.parse(runFile(a, 'plan/plan.response.json').toString());
    assert.equal(response.done_reason, 'stop');
    assert.ok(response.stats.prompt_tokens > SPEC.length);

    // Everything under plan/ and tasks/ is the same bytes, apart from the measured duration.
    const files = (run: string) => ['plan', 'tasks'].flatMap((sub) => readdirSync(path.join(repo, 'runs', run, sub), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(path.join(repo, 'runs', run), path.join(e.parentPath, e.name))));
    assert.deepEqual(files(a).sort(), files(b).sort());
    for (const rel of files(a)) {
      let left = runFile(a, rel).toString();
      let right = runFile(b, rel).toString();
      if (rel.endsWith('plan.response.json')) [left, right] = [left, right].map((text) => text.replace(/"total_duration_ns": \d+/, '"total_duration_ns": 0'));
      assert.equal(left, right, `${rel} differs between the two runs`);
    }

    const replay = await cli(['replay', '--run', a]);
    assert.equal(replay.code, 0, replay.stdout + replay.stderr);

    // The rest of the workflow runs the same way: approve, then the executor in-process. A model of
    // random weights cannot write a diff, so the attempt is recorded and refused, as any bad reply.
    assert.equal((await cli(['approve-plan', '--run', a, '--by', 'Reviewer'])).code, 0);
    const plan = JSON.parse(runFile(a, 'plan/plan.json').toString()) as { milestones: Array<{ tasks: Array<{ id: string; depends_on: string[] }> }> };
    const first = plan.milestones.flatMap((m) => m.tasks).find((t) => t.depends_on.length === 0)!;
    assert.equal((await cli(['add-context', '--run', a, '--file', 'src/app.js'])).code, 0);
    const task = await cli(['run-task', '--run', a, '--task', first.id]);
    assert.ok(task.code === 0 || /does not validate|no diff|refused/i.test(task.stderr), `run-task: ${task.code} ${task.stderr}`);
    assert.doesNotMatch(task.stderr, /\n\s+at /, 'no stack trace');
    const execRequest = JSON.parse(runFile(a, `executions/${first.id}/exec.request.json`).toString());
    assert.equal(execRequest.engine, 'node-llama-cpp');
    assert.equal(execRequest.grammar ?? null, null, "the executor's reply stays plain text");
    assert.ok(existsSync(path.join(repo, 'runs', a, `executions/${first.id}/artifacts/patch.raw.diff`)), 'the raw reply is kept');
    assert.equal((await cli(['verify', '--run', a])).code, 0);
  });

  test('a prompt that does not fit num_ctx is refused before generation, with the exact token count', async () => {
    const pack = path.join(dir, 'small-pack');
    cpSync(DEFAULT_PACK_DIR, pack, { recursive: true });
    const manifestPath = path.join(pack, 'manifest.json');
    const packManifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    packManifest.generation.num_ctx = 2048;
    packManifest.generation.num_predict = 512;
    writeFileSync(manifestPath, JSON.stringify(packManifest, null, 2));
    const run = await init(model, ['--pack', pack]);
    const result = await cli(['plan', '--run', run]);
    assert.equal(result.code, 1);
    const message = result.stderr.trim();
    assert.equal(message.split('\n').length, 1, message);
    const match = /the prompt is (\d+) tokens \(counted with the model's tokenizer\); with num_predict 512 it needs (\d+), over num_ctx 2048/.exec(message);
    assert.ok(match, message);
    const counted = Number(match[1]);
    assert.equal(Number(match[2]), counted + 512);
    assert.equal(existsSync(path.join(repo, 'runs', run, 'plan')), false, 'nothing is recorded for a refused call');

    // The same count, from the model's tokenizer in this process: the request the CLI would send.
    const provider = new EmbeddedProvider({ ...process.env, ...env });
    await provider.showModel(model);
    const messages = plannerMessages(readFileSync(path.join(pack, 'planner.system.txt'), 'utf8'), SPEC, 'src/app.js', planJsonSchema());
    const body = provider.buildChatBody({ model, messages, format: planJsonSchema(), params: packManifest.generation });
    assert.equal(await provider.countPromptTokens(body), counted);
    // A byte-level vocabulary: at least one token per byte of the messages.
    assert.ok(counted >= messages.reduce((n, m) => n + Buffer.byteLength(m.content), 0));
  });

  test('without node-llama-cpp installed, the one command that installs it is named', async () => {
    // The built tool copied where no node_modules can be found: the bundle carries everything
    // but the optional engine.
    const tool = path.join(dir, 'tool-without-engine');
    for (const part of ['dist', 'packs', 'package.json']) cpSync(path.join(PACKAGE_ROOT, part), path.join(tool, part), { recursive: true });
    const result = await new Promise<CliResult>((resolve) => {
      execFile(process.execPath, [path.join(tool, 'dist/cli/main.js'), 'init', '--spec', 'spec.md', '--provider', 'embedded', '--planner-model', model, '--executor-model', model], { cwd: repo, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr }),
      );
    });
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim(), 'error: the embedded provider needs node-llama-cpp, which is not installed: run `npm install node-llama-cpp@3.21.1` where llm-orchestrator is installed (`npm install -g node-llama-cpp@3.21.1` for a global install)');
  });

  test('an aborted call (Ctrl-C) stops at the next token and keeps the partial reply; progress counts tokens', async () => {
    const provider = new EmbeddedProvider({ ...process.env, ...env });
    await provider.showModel(model);
    const params = { temperature: 0, seed: 42, top_k: 40, top_p: 0.9, repeat_penalty: 1, num_ctx: 2048, num_predict: 200, think: false };
    const body = provider.buildChatBody({ model, messages: [{ role: 'user', content: 'Write a diff.' }], params });
    const controller = new AbortController();
    const seen: number[] = [];
    const error = await provider
      .sendChat(body, {
        timeoutMs: 60_000,
        signal: controller.signal,
        onProgress: ({ tokens }) => {
          seen.push(tokens);
          if (tokens === 5) controller.abort();
        },
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    assert.ok(error instanceof ModelRequestError && error.aborted, String(error));
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    assert.equal(Buffer.byteLength(error.partial!.content), 5, 'five byte tokens had arrived');

    // Unaborted, the same body runs to its token limit, and the first five tokens are the same.
    const full = await provider.sendChat(body, { timeoutMs: 60_000 });
    assert.equal(full.done_reason, 'length');
    assert.equal(full.stats.completion_tokens, 200);
    assert.ok(full.content.startsWith(error.partial!.content));
  });

  test("the model's own chat template renders the prompt, and the request records it with its end marker", async () => {
    const chatml = path.join(dir, 'chatml.gguf');
    const template = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    writeTinyGguf(chatml, { chatTemplate: template });
    const provider = new EmbeddedProvider({ ...process.env, ...env });
    await provider.showModel(chatml);
    const params = { temperature: 0, seed: 42, top_k: 40, top_p: 0.9, repeat_penalty: 1, num_ctx: 2048, num_predict: 16, think: false };
    const request = JSON.parse(provider.buildChatBody({ model: chatml, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], params }));
    assert.equal(request.chat_wrapper, 'ChatML');
    const text = (request.prompt as Array<string | { value: string }>).map((part) => (typeof part === 'string' ? part : part.value)).join('');
    assert.ok(text.includes('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n'), text);
    assert.ok(JSON.stringify(request.stop).includes('<|im_end|>'));
  });

  test('a truncated or corrupted GGUF file is one clear line, not a crash, and makes no run', async () => {
    // Through the CLI for two kinds of damage; every kind the header check knows is in
    // model-embedded-files.test.ts, without a process each.
    const bytes = readFileSync(model);
    const cases: Array<[string, Buffer, RegExp]> = [
      ['truncated.gguf', bytes.subarray(0, Math.floor(bytes.length * 0.6)), /is not a usable GGUF file: it is truncated: the header describes \d+ bytes, the file has \d+/],
      ['bad-type.gguf', corruptFirstValueType(bytes), /is not a usable GGUF file: unknown value type 77/],
    ];
    const runsBefore = existsSync(path.join(repo, 'runs')) ? readdirSync(path.join(repo, 'runs')).length : 0;
    for (const [name, content, expected] of cases) {
      const file = path.join(dir, name);
      writeFileSync(file, content);
      const result = await cli(['init', '--spec', 'spec.md', '--provider', 'embedded', '--planner-model', file, '--executor-model', file]);
      assert.equal(result.code, 1, `${name}: ${result.stderr}`);
      const message = result.stderr.trim();
      assert.equal(message.split('\n').length, 1, `${name}: ${message}`);
      assert.match(message, expected, name);
    }
    assert.equal(existsSync(path.join(repo, 'runs')) ? readdirSync(path.join(repo, 'runs')).length : 0, runsBefore);
  });

  test('ollama: names resolve through a store folder ($OLLAMA_MODELS) to the blob; doctor rehashes and catches a changed file', async () => {
    const store = path.join(dir, 'ollama-store');
    const bytes = readFileSync(model);
    const { createHash } = await import('node:crypto');
    const hex = createHash('sha256').update(bytes).digest('hex');
    mkdirSync(path.join(store, 'blobs'), { recursive: true });
    copyFileSync(model, path.join(store, 'blobs', `sha256-${hex}`));
    const manifestDir = path.join(store, 'manifests', 'registry.ollama.ai', 'library', 'tiny');
    mkdirSync(manifestDir, { recursive: true });
    writeFileSync(
      path.join(manifestDir, 'q8'),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        layers: [
          { mediaType: 'application/vnd.ollama.image.template', digest: `sha256:${'1'.repeat(64)}`, size: 10 },
          { mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${hex}`, size: bytes.length },
        ],
      }),
    );

    const run = await init('ollama:tiny:q8', [], { OLLAMA_MODELS: store });
    const manifest = JSON.parse(runFile(run, 'manifest.json').toString());
    assert.equal(manifest.models.planner.name, 'ollama:tiny:q8');
    assert.equal(manifest.models.planner.digest, hex);

    const healthy = await cli(['doctor', '--run', run], { OLLAMA_MODELS: store });
    assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);
    assert.match(healthy.stdout, /✅ engine loads: node-llama-cpp/);
    assert.match(healthy.stdout, /⚠️ planner model was trained on 4096 tokens of context; the pack's num_ctx is 16384/);
    assert.match(healthy.stdout, new RegExp(`✅ planner model ollama:tiny:q8: .*sha256-${hex} \\(.* MB\\) loads, sha256 ${hex.slice(0, 12)} matches the run`));

    // Same name, different bytes (another seed): the blob's name still says the old digest, doctor's fresh hash does not.
    writeFileSync(path.join(store, 'blobs', `sha256-${hex}`), tinyGguf({ seed: 99 }));
    const changed = await cli(['doctor', '--run', run], { OLLAMA_MODELS: store });
    assert.equal(changed.code, 1);
    assert.match(changed.stdout, /❌ planner model ollama:tiny:q8: .* loads but its sha256 is [0-9a-f]{12}, the run recorded [0-9a-f]{12}/);
  });
});

/** The first metadata entry's value type (right after its key) set to a type GGUF does not have. */
function corruptFirstValueType(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  const keyLength = Number(copy.readBigUInt64LE(24));
  copy.writeUInt32LE(77, 32 + keyLength);
  return copy;
}
