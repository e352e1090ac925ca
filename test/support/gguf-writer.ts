/**
 * Writes a tiny, real GGUF model for tests: the `llama` architecture, F32 weights drawn from a
 * seeded generator, and a byte-level SentencePiece vocabulary (<unk>, <s>, </s>, <0x00>…<0xFF>, then
 * "▁", SentencePiece's space, so text survives a tokenize/detokenize round trip),
 * so llama.cpp can tokenize and generate any text without anything being downloaded.
 *
 * Format (GGUF v3, little-endian): "GGUF", version u32, tensor count u64, KV count u64; the KV
 * pairs (key as u64-length string, value type u32, value); one info per tensor (name, dimension
 * count u32, dimensions u64 innermost first, type u32 = 0 for F32, offset u64 into the data
 * section); zero padding to the alignment (32); the tensor data, each tensor at an aligned offset.
 *
 * The weights are random, with one deliberate tilt. Every token embedding carries a constant in
 * dimension 0, and `[` also one in dimension 1; the layers' weights are small, so the last hidden
 * state is mostly the current token's embedding, and the output matrix reads those two dimensions
 * with a per-token bias. Greedy decoding therefore prefers `"`, then `]` and `}`, then letters and
 * digits — except right after `[`, where `"` is pushed down. Under a JSON grammar the model writes
 * the shortest document the grammar allows (strings at their minimum length, arrays at their
 * minimum size) instead of wandering in a string until the token limit; the choice among letters
 * and digits stays random.
 */
import { writeFileSync } from 'node:fs';

export interface TinyModelOptions {
  seed?: number;
  contextLength?: number;
  embedding?: number;
  blocks?: number;
  heads?: number;
  headsKv?: number;
  feedForward?: number;
  /** Written as tokenizer.chat_template when given. */
  chatTemplate?: string;
}

const ALIGNMENT = 32;
/** Small enough that each layer only nudges the residual stream (see the file comment). */
const LAYER_SCALE = 0.002;
const enum ValueType {
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
}
type KvValue =
  | { type: ValueType.UINT32 | ValueType.INT32 | ValueType.FLOAT32; value: number }
  | { type: ValueType.BOOL; value: boolean }
  | { type: ValueType.STRING; value: string }
  | { type: ValueType.ARRAY; items: ValueType.STRING; value: string[] }
  | { type: ValueType.ARRAY; items: ValueType.INT32 | ValueType.FLOAT32; value: number[] };

/** Byte-level vocabulary: 3 control tokens, one token per byte value, then "▁". */
export const TINY_VOCAB_SIZE = 3 + 256 + 1;
const BYTE_TOKEN_OFFSET = 3;

/** mulberry32: small, seeded, and the same on every platform. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The bias dimension 0 gives each token's logit (see the file comment). */
function tilt(token: number): number {
  const ch = byteOf(token);
  if (ch === '"') return 1.2;
  if (ch === ']' || ch === '}') return 1.0;
  if (ch !== null && /[a-z0-9]/.test(ch)) return 0.5;
  return 0;
}

/** How much a token is pushed down right after `[` (read from dimension 1). */
const afterOpenBracket = (token: number): number => (byteOf(token) === '"' ? -3 : 0);

function byteOf(token: number): string | null {
  return token >= BYTE_TOKEN_OFFSET && token < BYTE_TOKEN_OFFSET + 256 ? String.fromCharCode(token - BYTE_TOKEN_OFFSET) : null;
}

export function tinyGguf(options: TinyModelOptions = {}): Buffer {
  const seed = options.seed ?? 1234;
  const nCtx = options.contextLength ?? 4096;
  const nEmbd = options.embedding ?? 64;
  const nBlocks = options.blocks ?? 2;
  const nHead = options.heads ?? 4;
  const nHeadKv = options.headsKv ?? 2;
  const nFf = options.feedForward ?? 128;
  const headDim = nEmbd / nHead;
  const nVocab = TINY_VOCAB_SIZE;
  const rand = random(seed);
  const normal = (scale: number) => (rand() * 2 - 1) * scale * Math.sqrt(3);

  const tokens = ['<unk>', '<s>', '</s>', ...Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`), '\u2581'];
  // unknown, control, control, 256 × byte, normal
  const tokenTypes = [2, 3, 3, ...Array<number>(256).fill(6), 1];
  const kv: Array<[string, KvValue]> = [
    ['general.architecture', { type: ValueType.STRING, value: 'llama' }],
    ['general.name', { type: ValueType.STRING, value: 'tiny-test-model' }],
    ['general.alignment', { type: ValueType.UINT32, value: ALIGNMENT }],
    ['llama.context_length', { type: ValueType.UINT32, value: nCtx }],
    ['llama.embedding_length', { type: ValueType.UINT32, value: nEmbd }],
    ['llama.block_count', { type: ValueType.UINT32, value: nBlocks }],
    ['llama.feed_forward_length', { type: ValueType.UINT32, value: nFf }],
    ['llama.attention.head_count', { type: ValueType.UINT32, value: nHead }],
    ['llama.attention.head_count_kv', { type: ValueType.UINT32, value: nHeadKv }],
    ['llama.rope.dimension_count', { type: ValueType.UINT32, value: headDim }],
    ['llama.attention.layer_norm_rms_epsilon', { type: ValueType.FLOAT32, value: 1e-5 }],
    ['llama.vocab_size', { type: ValueType.UINT32, value: nVocab }],
    ['tokenizer.ggml.model', { type: ValueType.STRING, value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: ValueType.ARRAY, items: ValueType.STRING, value: tokens }],
    ['tokenizer.ggml.scores', { type: ValueType.ARRAY, items: ValueType.FLOAT32, value: tokens.map(() => 0) }],
    ['tokenizer.ggml.token_type', { type: ValueType.ARRAY, items: ValueType.INT32, value: tokenTypes }],
    ['tokenizer.ggml.unknown_token_id', { type: ValueType.UINT32, value: 0 }],
    ['tokenizer.ggml.bos_token_id', { type: ValueType.UINT32, value: 1 }],
    ['tokenizer.ggml.eos_token_id', { type: ValueType.UINT32, value: 2 }],
    ['tokenizer.ggml.add_bos_token', { type: ValueType.BOOL, value: true }],
    ['tokenizer.ggml.add_eos_token', { type: ValueType.BOOL, value: false }],
    // No "▁" in front of the first word: the prompt is exactly the text given.
    ['tokenizer.ggml.add_space_prefix', { type: ValueType.BOOL, value: false }],
  ];
  if (options.chatTemplate !== undefined) kv.push(['tokenizer.chat_template', { type: ValueType.STRING, value: options.chatTemplate }]);

  const tensors: Array<{ name: string; dims: number[]; data: Float32Array }> = [];
  const tensor = (name: string, dims: number[], fill: (i: number) => number) => {
    const count = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = fill(i);
    tensors.push({ name, dims, data });
  };
  // token_embd is [nEmbd, nVocab]: element i belongs to token floor(i / nEmbd), dimension i % nEmbd.
  const embedding = (i: number) => {
    const dim = i % nEmbd;
    if (dim === 0) return 1;
    if (dim === 1) return byteOf(Math.floor(i / nEmbd)) === '[' ? 1 : 0;
    return normal(0.02);
  };
  tensor('token_embd.weight', [nEmbd, nVocab], embedding);
  tensor('output_norm.weight', [nEmbd], () => 1);
  const output = (i: number) => {
    const dim = i % nEmbd;
    const token = Math.floor(i / nEmbd);
    return dim === 0 ? tilt(token) : dim === 1 ? afterOpenBracket(token) : normal(0.05);
  };
  tensor('output.weight', [nEmbd, nVocab], output);
  const kvDim = headDim * nHeadKv;
  for (let b = 0; b < nBlocks; b++) {
    tensor(`blk.${b}.attn_norm.weight`, [nEmbd], () => 1);
    tensor(`blk.${b}.attn_q.weight`, [nEmbd, nEmbd], () => normal(LAYER_SCALE));
    tensor(`blk.${b}.attn_k.weight`, [nEmbd, kvDim], () => normal(LAYER_SCALE));
    tensor(`blk.${b}.attn_v.weight`, [nEmbd, kvDim], () => normal(LAYER_SCALE));
    tensor(`blk.${b}.attn_output.weight`, [nEmbd, nEmbd], () => normal(LAYER_SCALE));
    tensor(`blk.${b}.ffn_norm.weight`, [nEmbd], () => 1);
    tensor(`blk.${b}.ffn_gate.weight`, [nEmbd, nFf], () => normal(LAYER_SCALE));
    tensor(`blk.${b}.ffn_up.weight`, [nEmbd, nFf], () => normal(LAYER_SCALE));
    tensor(`blk.${b}.ffn_down.weight`, [nFf, nEmbd], () => normal(LAYER_SCALE));
  }

  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    parts.push(b);
  };
  const i32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    parts.push(b);
  };
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    parts.push(b);
  };
  const f32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeFloatLE(n);
    parts.push(b);
  };
  const str = (s: string) => {
    const bytes = Buffer.from(s, 'utf8');
    u64(bytes.length);
    parts.push(bytes);
  };

  parts.push(Buffer.from('GGUF', 'ascii'));
  u32(3);
  u64(tensors.length);
  u64(kv.length);
  for (const [key, v] of kv) {
    str(key);
    u32(v.type);
    switch (v.type) {
      case ValueType.UINT32:
        u32(v.value);
        break;
      case ValueType.INT32:
        i32(v.value);
        break;
      case ValueType.FLOAT32:
        f32(v.value);
        break;
      case ValueType.BOOL:
        parts.push(Buffer.from([v.value ? 1 : 0]));
        break;
      case ValueType.STRING:
        str(v.value);
        break;
      case ValueType.ARRAY:
        u32(v.items);
        u64(v.value.length);
        for (const item of v.value) {
          if (v.items === ValueType.STRING) str(item as string);
          else if (v.items === ValueType.INT32) i32(item as number);
          else f32(item as number);
        }
        break;
    }
  }
  const aligned = (n: number) => Math.ceil(n / ALIGNMENT) * ALIGNMENT;
  let offset = 0;
  for (const t of tensors) {
    str(t.name);
    u32(t.dims.length);
    for (const d of t.dims) u64(d);
    u32(0); // GGML_TYPE_F32
    u64(offset);
    offset = aligned(offset + t.data.byteLength);
  }
  const header = Buffer.concat(parts);
  const dataStart = aligned(header.length);
  const out = Buffer.alloc(dataStart + offset);
  header.copy(out, 0);
  let at = dataStart;
  for (const t of tensors) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, at);
    at = dataStart + aligned(at - dataStart + t.data.byteLength);
  }
  return out;
}

export function writeTinyGguf(file: string, options: TinyModelOptions = {}): void {
  writeFileSync(file, tinyGguf(options));
}
