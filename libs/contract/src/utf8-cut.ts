/** Marks text that was cut short, so a reader never mistakes a prefix for the whole. */
const CUT_MARK = '…';
const CUT_MARK_BYTES = Buffer.byteLength(CUT_MARK);
const encoder = new TextEncoder();

/**
 * `text` in at most `maxBytes` of UTF-8: unchanged when it fits, otherwise its longest prefix
 * that ends on a code point boundary followed by `…`. Pure, so equal input gives equal output.
 */
export function cutUtf8(text: string, maxBytes: number): string {
  // a string of n UTF-16 units takes at most 3n UTF-8 bytes: most texts fit without measuring
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes) return text;
  if (maxBytes < CUT_MARK_BYTES) return '';
  // encodeInto writes whole code points only, and `read` counts the UTF-16 units it took
  const { read } = encoder.encodeInto(text, new Uint8Array(maxBytes - CUT_MARK_BYTES));
  return text.slice(0, read) + CUT_MARK;
}
