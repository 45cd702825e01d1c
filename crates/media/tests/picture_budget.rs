//! The picture bomb an attacker sent: a PNG of a few tens of kilobytes, complete and valid, that
//! decodes to 40 megapixels (8000×5000 RGBA: 160 MB a copy). Thirty of them at once took the
//! server to 4.5 GB. It must be refused from its header, before any pixel is decoded, however
//! many arrive together, and the process's memory must not move.
//!
//! Alone in its binary: the test reads the process's peak memory (`VmHWM`), which another test
//! decoding pictures beside it would raise.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use ruche_media::images::{self, ImageError, Limits, MAX_PIXELS};

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

/// Bits, least significant first, as DEFLATE packs them.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    /// `count` bits of `value`, low bit first (block headers, extra bits).
    fn put(&mut self, value: u64, count: u32) {
        self.acc |= value << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code of `len` bits, most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        let reversed = (0..len).fold(0u64, |r, i| (r << 1) | u64::from((code >> i) & 1));
        self.put(reversed, len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// A zlib stream of `n` zero bytes in one fixed-Huffman block: a literal zero, then copies of
/// 258 bytes at distance 1 (13 bits each), then the remaining zeros as literals.
fn zlib_zeros(n: usize) -> Vec<u8> {
    let mut bits = Bits::default();
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // BTYPE = 01, fixed Huffman
    let literal_zero = |b: &mut Bits| b.code(0x30, 8);
    let mut left = n;
    if left > 0 {
        literal_zero(&mut bits);
        left -= 1;
    }
    while left >= 258 {
        bits.code(0xC5, 8); // length symbol 285: 258 bytes
        bits.code(0, 5); // distance symbol 0: distance 1
        left -= 258;
    }
    for _ in 0..left {
        literal_zero(&mut bits);
    }
    bits.code(0, 7); // end of block
    let mut out = vec![0x78, 0x01];
    out.extend(bits.finish());
    let adler = ((n % 65521) as u32) << 16 | 1;
    out.extend(adler.to_be_bytes());
    out
}

/// A complete, valid PNG of `width`×`height` pixels of one half-transparent colour: indexed,
/// one bit a pixel, so its zlib stream stays tiny, and decoded to 8-bit RGBA (4 bytes a pixel)
/// because of its transparency chunk.
fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([1, 3, 0, 0, 0]); // 1 bit, indexed colour, deflate, no filter, no interlace
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"PLTE", &[200, 30, 30]);
    png_chunk(&mut out, b"tRNS", &[128]);
    let row = 1 + (width as usize).div_ceil(8); // filter byte, then the row's bits
    png_chunk(&mut out, b"IDAT", &zlib_zeros(row * height as usize));
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// The most memory this process has held (`VmHWM`), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

const AVATARS: &[(u32, u32)] = &[(1500, 1500), (600, 600), (120, 120), (48, 48)];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_forty_megapixel_bomb_is_refused_from_its_header_and_memory_stays_flat() {
    // The fixture is what it claims: small, and a real picture the decoder reads whole (checked
    // on a small one of the same making).
    let small = png_bomb(64, 40);
    let decoded = images::cover(&small, &Limits::default(), &[(48, 48)]).unwrap();
    assert_eq!(decoded.len(), 1);
    let bomb = png_bomb(8000, 5000);
    assert!(bomb.len() < 64 * 1024, "{} bytes", bomb.len());
    const {
        assert!(
            8000 * 5000 > MAX_PIXELS,
            "the budget is under 40 megapixels"
        )
    };

    let before = peak_rss();
    // Thirty at once, through every way a picture comes in.
    let mut tasks = Vec::new();
    for i in 0..30 {
        let bomb = bomb.clone();
        tasks.push(tokio::spawn(async move {
            match i % 3 {
                0 => images::cover_async(bomb, Limits::default(), AVATARS.to_vec())
                    .await
                    .map(|_| ()),
                1 => images::ingest_async(bomb, Limits::default())
                    .await
                    .map(|_| ()),
                _ => images::jpeg_async(bomb, Limits::default(), (560, 315))
                    .await
                    .map(|_| ()),
            }
        }));
    }
    for t in tasks {
        let e = t.await.unwrap().unwrap_err();
        assert!(
            matches!(
                e,
                ImageError::TooManyPixels {
                    width: 8000,
                    height: 5000,
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "this picture has too many pixels (8000×5000): the most is 25 megapixels and 12000 pixels on a side"
        );
    }
    // One decode of it alone would have taken 160 MB.
    let grew = peak_rss().saturating_sub(before);
    assert!(
        grew < 32 * 1024 * 1024,
        "the process's peak memory grew by {} MB",
        grew / (1024 * 1024)
    );
}
