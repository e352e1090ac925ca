import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { OrchestratorError } from '../../errors.js';

/**
 * Reads and checks a GGUF file's header (versions 2 and 3) before llama.cpp is given the file.
 *
 * llama.cpp reports a damaged file in ways that range from a vague "failed to load model" to an
 * assertion that aborts the whole process, so the structure is checked here first: magic,
 * version, every metadata entry, every tensor description, and that the tensor data the header
 * promises lies inside the file. Only the header is read (a few MB at most); the weights are not.
 */

export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufHeader {
  version: number;
  metadata: Map<string, GgufValue>;
  tensorCount: number;
  /** Bytes the header says the file must have (data section start + the last tensor's end). */
  expectedBytes: number;
  fileBytes: number;
}

/** Element sizes of the value types; 8 (string) and 9 (array) are variable. */
const SCALAR_BYTES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
/** ggml type → [block size in elements, bytes per block], for the types a GGUF file may hold. */
const GGML_TYPES: Record<number, [number, number]> = {
  0: [1, 4], 1: [1, 2], 2: [32, 18], 3: [32, 20], 6: [32, 22], 7: [32, 24], 8: [32, 34], 9: [32, 36],
  10: [256, 84], 11: [256, 110], 12: [256, 144], 13: [256, 176], 14: [256, 210], 15: [256, 292],
  16: [256, 66], 17: [256, 74], 18: [256, 98], 19: [256, 50], 20: [32, 18], 21: [256, 110], 22: [256, 82],
  23: [256, 136], 24: [1, 1], 25: [1, 2], 26: [1, 4], 27: [1, 8], 28: [1, 8], 29: [256, 56], 30: [1, 2],
  34: [256, 54], 35: [256, 66], 39: [32, 17],
};
const MAX_STRING = 64 * 1024 * 1024;
const MAX_ITEMS = 16 * 1024 * 1024;

class Truncated extends Error {}

/** A forward-only reader over the file that fetches more bytes as it needs them. */
class FileCursor {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  pos = 0;
  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  private need(n: number): void {
    if (this.pos + n > this.size) throw new Truncated();
    if (this.pos >= this.bufStart && this.pos + n <= this.bufStart + this.buf.length) return;
    const len = Math.min(Math.max(n, 1 << 20), this.size - this.pos);
    const next = Buffer.alloc(len);
    readSync(this.fd, next, 0, len, this.pos);
    this.buf = next;
    this.bufStart = this.pos;
  }
  private take(n: number): Buffer {
    this.need(n);
    const at = this.pos - this.bufStart;
    this.pos += n;
    return this.buf.subarray(at, at + n);
  }
  u32 = () => this.take(4).readUInt32LE(0);
  u64 = (what: string): number => {
    const v = this.take(8).readBigUInt64LE(0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new OrchestratorError(`${what} is ${v}, which no real file has`);
    return Number(v);
  };
  string = (): string => {
    const n = this.u64('a string length');
    if (n > MAX_STRING) throw new OrchestratorError(`a string of ${n} bytes in the header, which no real file has`);
    return this.take(n).toString('utf8');
  };
  value(type: number, depth = 0): GgufValue {
    switch (type) {
      case 0: return this.take(1).readUInt8(0);
      case 1: return this.take(1).readInt8(0);
      case 2: return this.take(2).readUInt16LE(0);
      case 3: return this.take(2).readInt16LE(0);
      case 4: return this.u32();
      case 5: return this.take(4).readInt32LE(0);
      case 6: return this.take(4).readFloatLE(0);
      case 7: return this.take(1).readUInt8(0) !== 0;
      case 8: return this.string();
      case 10: return this.take(8).readBigUInt64LE(0);
      case 11: return this.take(8).readBigInt64LE(0);
      case 12: return this.take(8).readDoubleLE(0);
      case 9: {
        if (depth > 2) throw new OrchestratorError('arrays nested deeper than llama.cpp reads');
        const itemType = this.u32();
        const count = this.u64('an array length');
        if (count > MAX_ITEMS) throw new OrchestratorError(`an array of ${count} items, which no real file has`);
        if (itemType !== 8 && itemType !== 9) {
          const size = SCALAR_BYTES[itemType];
          if (size === undefined) throw new OrchestratorError(`unknown value type ${itemType}`);
          // Large numeric arrays (token scores, types) are skipped past rather than decoded.
          if (count > 4096) {
            this.skip(count * size);
            return [];
          }
        }
        const items: GgufValue[] = [];
        for (let i = 0; i < count; i++) items.push(this.value(itemType, depth + 1));
        return items;
      }
      default:
        throw new OrchestratorError(`unknown value type ${type}`);
    }
  }
  skip(n: number): void {
    if (this.pos + n > this.size) throw new Truncated();
    this.pos += n;
  }
}

/** Throws an OrchestratorError naming the file and what is wrong with it, in one line. */
export function readGgufHeader(file: string): GgufHeader {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new OrchestratorError(`model file ${file} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`}: check the path given to --planner-model/--executor-model`);
  }
  const bad = (why: string) => new OrchestratorError(`model file ${file} is not a usable GGUF file: ${why}; download or copy the model again`);
  try {
    const size = fstatSync(fd).size;
    const cur = new FileCursor(fd, size);
    try {
      if (size < 4 || readMagic(fd) !== 'GGUF') throw bad('it does not start with the GGUF magic bytes');
      cur.skip(4);
      const version = cur.u32();
      if (version !== 2 && version !== 3) throw bad(`GGUF version ${version} is not 2 or 3`);
      const tensorCount = cur.u64('the tensor count');
      const kvCount = cur.u64('the metadata count');
      const metadata = new Map<string, GgufValue>();
      for (let i = 0; i < kvCount; i++) {
        const key = cur.string();
        metadata.set(key, cur.value(cur.u32()));
      }
      const alignment = Number(metadata.get('general.alignment') ?? 32);
      if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) throw bad(`general.alignment ${alignment} is not a power of two`);
      let dataEnd = 0;
      for (let i = 0; i < tensorCount; i++) {
        const name = cur.string();
        const dims = cur.u32();
        if (dims === 0 || dims > 4) throw bad(`tensor ${name} has ${dims} dimensions`);
        let elements = 1;
        for (let d = 0; d < dims; d++) elements *= cur.u64(`a dimension of tensor ${name}`);
        const type = cur.u32();
        const offset = cur.u64(`the offset of tensor ${name}`);
        const layout = GGML_TYPES[type];
        if (!layout) throw bad(`tensor ${name} has unknown type ${type}`);
        if (offset % alignment !== 0) throw bad(`tensor ${name} is not aligned`);
        const bytes = Math.ceil(elements / layout[0]) * layout[1];
        dataEnd = Math.max(dataEnd, offset + bytes);
      }
      const dataStart = Math.ceil(cur.pos / alignment) * alignment;
      const expectedBytes = dataStart + dataEnd;
      if (expectedBytes > size) throw bad(`it is truncated: the header describes ${expectedBytes} bytes, the file has ${size}`);
      return { version, metadata, tensorCount, expectedBytes, fileBytes: size };
    } catch (error) {
      if (error instanceof Truncated) throw bad(`it is truncated: it ends inside the header (${size} bytes)`);
      if (error instanceof OrchestratorError && !error.message.startsWith(`model file ${file}`)) throw bad(error.message);
      throw error;
    }
  } finally {
    closeSync(fd);
  }
}

function readMagic(fd: number): string {
  const b = Buffer.alloc(4);
  readSync(fd, b, 0, 4, 0);
  return b.toString('latin1');
}

/** `<arch>.context_length` from the metadata, or null. */
export function trainedContextLength(header: GgufHeader): number | null {
  const arch = header.metadata.get('general.architecture');
  const value = typeof arch === 'string' ? header.metadata.get(`${arch}.context_length`) : undefined;
  return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : null;
}
