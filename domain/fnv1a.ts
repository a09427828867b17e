// A tiny 32-bit FNV-1a hash for short, deterministic name suffixes (PushTopic names, long index names).
// Not cryptographic; it only has to be stable across processes and free of Node built-ins, because workflow
// code (Temporal's sandbox) imports the modules that use it.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the UTF-16 code units of `text`, as an unsigned 32-bit integer. */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash >>> 0;
}

/** The hash as exactly `width` lower-case base-36 characters (left-padded with zeros, at most 7). */
export function shortHash(text: string, width = 7): string {
  return fnv1a32(text).toString(36).padStart(7, '0').slice(-width);
}
