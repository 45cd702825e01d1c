//! Hostile files, made at test time: PNGs whose few bytes declare or decode to far more pixels
//! than they hold.

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend(data);
    out.extend(&body);
    out.extend(crc32(&body).to_be_bytes());
}

/// A zlib stream of `n` zero bytes: one fixed-Huffman block of copies of 258 bytes at distance
/// 1 (13 bits each; DEFLATE packs bits low first, and its codes most significant bit first).
fn zlib_zeros(n: usize) -> Vec<u8> {
    struct Bits(Vec<u8>, u64, u32);
    impl Bits {
        fn put(&mut self, value: u64, count: u32) {
            self.1 |= value << self.2;
            self.2 += count;
            while self.2 >= 8 {
                self.0.push(self.1 as u8);
                self.1 >>= 8;
                self.2 -= 8;
            }
        }
        fn code(&mut self, code: u32, len: u32) {
            self.put(
                (0..len).fold(0, |r, i| (r << 1) | u64::from((code >> i) & 1)),
                len,
            );
        }
    }
    let mut b = Bits(vec![0x78, 0x01], 0, 0);
    b.put(0b011, 3); // the final block, fixed Huffman
    let mut left = n;
    if left > 0 {
        b.code(0x30, 8); // a literal zero
        left -= 1;
    }
    while left >= 258 {
        b.code(0xC5, 8); // length 258
        b.code(0, 5); // distance 1
        left -= 258;
    }
    for _ in 0..left {
        b.code(0x30, 8);
    }
    b.code(0, 7); // end of block
    let Bits(mut out, acc, bits) = b;
    if bits > 0 {
        out.push(acc as u8);
    }
    out.extend(((((n % 65521) as u32) << 16) | 1).to_be_bytes());
    out
}

/// The attacker's picture: a valid PNG of 8000×5000 indexed pixels (one bit each, so its zlib
/// stream is tiny) with transparency, so that a decoder makes 160 MB of RGBA out of it.
pub fn picture_bomb() -> Vec<u8> {
    let (width, height) = (8000u32, 5000u32);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([1, 3, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"PLTE", &[200, 30, 30]);
    png_chunk(&mut out, b"tRNS", &[128]);
    let row = 1 + (width as usize).div_ceil(8);
    png_chunk(&mut out, b"IDAT", &zlib_zeros(row * height as usize));
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A PNG whose header declares `width`×`height` grey pixels, with almost no data behind it.
pub fn declared_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    png_chunk(&mut out, b"IEND", &[]);
    out
}
