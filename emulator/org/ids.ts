// Salesforce record ids as ferry's emulator mints them. A 15-char id is case-sensitive: 3-char key prefix,
// 2-char pod, a reserved '0', and a 9-char base-62 counter. The 18-char form appends three characters that
// encode which of the 15 are upper case, so ids survive case-insensitive systems. Because the emulator's
// counter is the record's row number in its table, an id decodes straight back to its row: no id→row map is
// needed, which matters when a table holds millions of records.

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const POD = 'Fy';
const COUNTER_DIGITS = 9;
const BASE62_VALUE = new Map([...BASE62].map((c, i) => [c, i]));

/** The three case-safe suffix characters for a 15-char id. */
export function caseSuffix(id15: string): string {
  let suffix = '';
  for (let block = 0; block < 3; block++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(block * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX_CHARS[bits];
  }
  return suffix;
}

const BASE62_CODES = [...BASE62].map((c) => c.charCodeAt(0));
const SUFFIX_CODES = [...SUFFIX_CHARS].map((c) => c.charCodeAt(0));
const [POD_0, POD_1] = [...POD].map((c) => c.charCodeAt(0));
const ZERO = '0'.charCodeAt(0);
/** The counter's digits of the id being minted (makeId runs to completion, so one array serves every call). */
const counterCodes = new Array<number>(COUNTER_DIGITS).fill(ZERO);

/** 1 for an upper-case letter's character code, else 0. */
const upper = (code: number): number => (code >= 65 && code <= 90 ? 1 : 0);

/** The case-safe suffix character of five character codes: bit i tells whether code i is upper case. */
function suffixCode(c0: number, c1: number, c2: number, c3: number, c4: number): number {
  return SUFFIX_CODES[upper(c0) | (upper(c1) << 1) | (upper(c2) << 2) | (upper(c3) << 3) | (upper(c4) << 4)];
}

/**
 * The 18-char id of the `seq`-th record (seq ≥ 1) of the object with `keyPrefix`. Made from character codes
 * in one go: queries mint an id for every row they return and change events keep one per change, and joining
 * the pieces as strings takes twice the time and leaves a tree of five strings instead of one.
 */
export function makeId(keyPrefix: string, seq: number): string {
  if (keyPrefix.length !== 3) return makeIdFromPieces(keyPrefix, seq);
  const d = counterCodes;
  let n = seq;
  for (let i = COUNTER_DIGITS - 1; i >= 0; i--) {
    d[i] = BASE62_CODES[n % 62];
    n = Math.floor(n / 62);
  }
  const p0 = keyPrefix.charCodeAt(0);
  const p1 = keyPrefix.charCodeAt(1);
  const p2 = keyPrefix.charCodeAt(2);
  return String.fromCharCode(
    p0, p1, p2, POD_0, POD_1, ZERO, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8],
    suffixCode(p0, p1, p2, POD_0, POD_1), suffixCode(ZERO, d[0], d[1], d[2], d[3]), suffixCode(d[4], d[5], d[6], d[7], d[8]),
  );
}

/** makeId for a key prefix of another length than Salesforce's three characters. */
function makeIdFromPieces(keyPrefix: string, seq: number): string {
  let digits = '';
  let n = seq;
  for (let i = 0; i < COUNTER_DIGITS; i++) {
    digits = BASE62[n % 62] + digits;
    n = Math.floor(n / 62);
  }
  const id15 = keyPrefix + POD + '0' + digits;
  return id15 + caseSuffix(id15);
}

/** True when `id` has the shape of a Salesforce id: 15 alphanumerics, or 18 with a consistent suffix. */
export function isIdShaped(id: string): boolean {
  if (id.length !== 15 && id.length !== 18) return false;
  if (!/^[0-9A-Za-z]+$/.test(id)) return false;
  return id.length === 15 || caseSuffix(id.slice(0, 15)) === id.slice(15).toUpperCase();
}

/** The 18-char form of a 15- or 18-char id (undefined when not id-shaped). */
export function toId18(id: string): string | undefined {
  if (!isIdShaped(id)) return undefined;
  const id15 = id.slice(0, 15);
  return id15 + caseSuffix(id15);
}

/** The counter an emulator-minted id carries (undefined for ids this emulator never mints). */
export function decodeSeq(id: string): number | undefined {
  if (!isIdShaped(id) || id.slice(3, 6) !== POD + '0') return undefined;
  let n = 0;
  for (let i = 6; i < 15; i++) {
    const v = BASE62_VALUE.get(id[i]);
    if (v === undefined) return undefined;
    n = n * 62 + v;
  }
  return n;
}
