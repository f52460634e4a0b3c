/**
 * Bytes → text: decodes a byte stream to string chunks, with no character split
 * across chunks.
 */

/** Text encodings a data-set configuration may name. */
export type TextEncoding = 'utf-8' | 'latin1';

/**
 * Decodes a stream of bytes as text.
 * - `utf-8`: WHATWG `TextDecoder` in streaming mode, so a multi-byte character split
 *   across chunks decodes whole; a leading UTF-8 BOM (EF BB BF) is dropped; invalid
 *   bytes become U+FFFD (the typing layer rejects such lines, see `typing.ts`).
 * - `latin1`: true ISO-8859-1 (each byte is the code point of the same value), via
 *   Node's `latin1` decoding. Not `new TextDecoder('latin1')`, which the WHATWG
 *   Encoding standard maps to windows-1252 (0x80–0x9F differ).
 * @returns string chunks; empty chunks are skipped.
 */
export async function* decodeText(bytes: AsyncIterable<Uint8Array>, encoding: TextEncoding): AsyncGenerator<string> {
  if (encoding === 'latin1') {
    for await (const b of bytes) {
      if (b.length > 0) yield Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
    }
    return;
  }
  const decoder = new TextDecoder('utf-8');
  for await (const b of bytes) {
    const s = decoder.decode(b, { stream: true });
    if (s.length > 0) yield s;
  }
  const tail = decoder.decode();
  if (tail.length > 0) yield tail;
}
