import { closeSync, openSync, readSync } from 'node:fs';

/** `GGUF` read as a little-endian u32. */
const GGUF_MAGIC = 0x46554747;
const STRING = 8;
const ARRAY = 9;
/** Byte sizes of GGUF's fixed-size value types, by type id. */
const FIXED_SIZES: ReadonlyMap<number, number> = new Map([
  [0, 1],
  [1, 1],
  [2, 2],
  [3, 2],
  [4, 4],
  [5, 4],
  [6, 4],
  [7, 1],
  [10, 8],
  [11, 8],
  [12, 8],
]);
const CHUNK = 64 * 1024;
/** Metadata past this many bytes is not scanned: the header of a sane file is far smaller. */
const SCAN_LIMIT = 64 * 1024 * 1024;

/** Sequential little-endian reads over a file, a chunk at a time; skipped spans are never read. */
class FileCursor {
  private buffer = Buffer.alloc(0);
  private position = 0;
  /** File offset of `buffer[0]`. */
  private base = 0;

  constructor(private readonly fd: number) {}

  private need(size: number): Buffer {
    if (this.position + size > this.buffer.length) {
      const offset = this.base + this.position;
      if (offset + size > SCAN_LIMIT) throw new RangeError('GGUF metadata is larger than the scan limit');
      const chunk = Buffer.alloc(Math.max(CHUNK, size));
      const read = readSync(this.fd, chunk, 0, chunk.length, offset);
      this.buffer = chunk.subarray(0, read);
      this.base = offset;
      this.position = 0;
      if (read < size) throw new RangeError('GGUF file ends inside its metadata');
    }
    const slice = this.buffer.subarray(this.position, this.position + size);
    this.position += size;
    return slice;
  }

  skip(size: number): void {
    if (this.position + size <= this.buffer.length) this.position += size;
    else {
      this.base += this.position + size;
      this.buffer = Buffer.alloc(0);
      this.position = 0;
    }
  }

  u32(): number {
    return this.need(4).readUInt32LE(0);
  }

  u64(): number {
    const value = this.need(8).readBigUInt64LE(0);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('GGUF length out of range');
    return Number(value);
  }

  string(): string {
    return this.need(this.u64()).toString('utf8');
  }

  /** An integer value of any GGUF integer type, or undefined (and skipped) for other types. */
  integer(type: number): number | undefined {
    switch (type) {
      case 0:
        return this.need(1).readUInt8(0);
      case 1:
        return this.need(1).readInt8(0);
      case 2:
        return this.need(2).readUInt16LE(0);
      case 3:
        return this.need(2).readInt16LE(0);
      case 4:
        return this.u32();
      case 5:
        return this.need(4).readInt32LE(0);
      case 10:
        return this.u64();
      case 11:
        return Number(this.need(8).readBigInt64LE(0));
      default:
        this.skipValue(type);
        return undefined;
    }
  }

  skipValue(type: number): void {
    const size = FIXED_SIZES.get(type);
    if (size !== undefined) return this.skip(size);
    if (type === STRING) return this.skip(this.u64());
    if (type !== ARRAY) throw new RangeError(`unknown GGUF value type ${type}`);
    const elementType = this.u32();
    const count = this.u64();
    const elementSize = FIXED_SIZES.get(elementType);
    if (elementSize !== undefined) return this.skip(elementSize * count);
    for (let i = 0; i < count; i++) this.skipValue(elementType);
  }
}

/**
 * The trained context length (`<architecture>.context_length`) from a GGUF file's header,
 * read synchronously without touching the weights; undefined when the file is not a
 * readable GGUF v2/v3 file or does not say.
 */
export function readGgufContextLength(path: string): number | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const cursor = new FileCursor(fd);
    if (cursor.u32() !== GGUF_MAGIC) return undefined;
    const version = cursor.u32();
    if (version !== 2 && version !== 3) return undefined;
    cursor.u64(); // tensor count
    const keys = cursor.u64();
    let architecture: string | undefined;
    const lengths = new Map<string, number>();
    for (let i = 0; i < keys; i++) {
      const key = cursor.string();
      const type = cursor.u32();
      if (key === 'general.architecture' && type === STRING) architecture = cursor.string();
      else if (key.endsWith('.context_length')) {
        const value = cursor.integer(type);
        if (value !== undefined) lengths.set(key, value);
      } else cursor.skipValue(type);
      const found = architecture && lengths.get(`${architecture}.context_length`);
      if (found) return found;
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
