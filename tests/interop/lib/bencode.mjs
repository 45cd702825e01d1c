// A strict, minimal bencode reader (BEP 3) for what the tests take apart: trackers' answers and
// `.torrent` files. Byte strings stay Buffers (info hashes and peer lists are bytes, not text);
// a dictionary is a plain object whose keys are its byte-string keys read as latin1 (one
// character per byte, so a binary key such as a scrape's info hash survives), and
// `spanOf(dict, key)` gives where a key's value lies in the input, since an info hash is the
// SHA-1 of the `info` value's bytes exactly as the file has them.

const SPANS = Symbol('spans');

export function decode(buf) {
  const data = Buffer.from(buf);
  let pos = 0;
  const fail = (what) => {
    throw new Error(`bencode: ${what} at byte ${pos}`);
  };
  const digitsUntil = (end) => {
    const i = data.indexOf(end, pos);
    if (i < 0) fail(`no '${String.fromCharCode(end)}'`);
    const s = data.toString('latin1', pos, i);
    if (!/^(0|-?[1-9][0-9]*)$/.test(s)) fail(`bad number ${JSON.stringify(s)}`);
    pos = i + 1;
    return Number(s);
  };
  const bytes = () => {
    const n = digitsUntil(0x3a); // ':'
    if (n < 0 || pos + n > data.length) fail('bad string length');
    const b = data.subarray(pos, pos + n);
    pos += n;
    return Buffer.from(b);
  };
  const next = () => {
    const c = data[pos];
    if (c === 0x69) { // i
      pos += 1;
      return digitsUntil(0x65);
    }
    if (c === 0x6c) { // l
      pos += 1;
      const list = [];
      while (data[pos] !== 0x65) {
        if (pos >= data.length) fail('unterminated list');
        list.push(next());
      }
      pos += 1;
      return list;
    }
    if (c === 0x64) { // d
      pos += 1;
      const dict = {};
      const spans = {};
      let prev = null;
      while (data[pos] !== 0x65) {
        if (pos >= data.length) fail('unterminated dictionary');
        const k = bytes();
        if (prev && Buffer.compare(prev, k) >= 0) fail(`dictionary keys not sorted (${k.toString('latin1')})`);
        prev = k;
        const start = pos;
        dict[k.toString('latin1')] = next();
        spans[k.toString('latin1')] = [start, pos];
      }
      pos += 1;
      Object.defineProperty(dict, SPANS, { value: spans });
      return dict;
    }
    if (c >= 0x30 && c <= 0x39) return bytes();
    return fail(`unexpected byte ${c}`);
  };
  const value = next();
  if (pos !== data.length) fail('trailing bytes');
  return value;
}

/** [start, end) of `key`'s value in the buffer `dict` was decoded from. */
export function spanOf(dict, key) {
  const s = dict?.[SPANS]?.[key];
  if (!s) throw new Error(`bencode: no ${key} in this dictionary`);
  return s;
}

/** A Buffer value as text (UTF-8), or undefined. */
export const text = (v) => (Buffer.isBuffer(v) ? v.toString('utf8') : undefined);
