//! WebSocket framing (RFC 6455), the server's side, for the tracker's sockets: what the socket
//! reads is parsed where it lies (a frame is unmasked in place, a whole message is handed on
//! without a copy), what it sends is framed into one buffer. No extension is negotiated, so
//! no reserved bit may be set.
//!
//! Ours rather than tungstenite's: tungstenite keeps a read and a write buffer for every open
//! socket, and ten thousand idle peers made those the tracker's whole memory (bench/tracker).

/// Why a client's frames end its socket: the close code it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 1002: not WebSocket as RFC 6455 frames it.
    Protocol,
    /// 1007: a text message that is not UTF-8.
    NotUtf8,
    /// 1009: a message over the bound.
    TooBig,
}

impl Refusal {
    pub fn code(self) -> u16 {
        match self {
            Refusal::Protocol => 1002,
            Refusal::NotUtf8 => 1007,
            Refusal::TooBig => 1009,
        }
    }
}

pub const CONTINUATION: u8 = 0x0;
pub const TEXT: u8 = 0x1;
pub const BINARY: u8 = 0x2;
pub const CLOSE: u8 = 0x8;
pub const PING: u8 = 0x9;
pub const PONG: u8 = 0xA;

/// The longest frame head a client sends: 2 bytes, 8 of length, 4 of mask.
pub const MAX_HEAD: usize = 14;

/// A frame's head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub fin: bool,
    pub opcode: u8,
    mask: [u8; 4],
    /// Bytes of the head.
    pub head: usize,
    /// Bytes of the payload.
    pub len: usize,
}

impl Head {
    /// Bytes of the whole frame.
    pub fn frame(&self) -> usize {
        self.head + self.len
    }
}

/// The head of the frame at the start of `buf`, once all of it is there (`None`: read more).
/// Refused: a reserved bit or opcode, an unmasked frame (clients must mask), a fragmented or
/// long control frame, a payload over `max`.
pub fn head(buf: &[u8], max: usize) -> Result<Option<Head>, Refusal> {
    let [b0, b1, ..] = *buf else {
        return Ok(None);
    };
    if b0 & 0x70 != 0 {
        return Err(Refusal::Protocol);
    }
    let (fin, opcode) = (b0 & 0x80 != 0, b0 & 0x0F);
    if !matches!(opcode, CONTINUATION | TEXT | BINARY | CLOSE | PING | PONG) {
        return Err(Refusal::Protocol);
    }
    if b1 & 0x80 == 0 {
        return Err(Refusal::Protocol);
    }
    let (len, at) = match b1 & 0x7F {
        126 => {
            let Some(b) = buf.get(2..4) else {
                return Ok(None);
            };
            (u64::from(u16::from_be_bytes([b[0], b[1]])), 4)
        }
        127 => {
            let Some(b) = buf.get(2..10) else {
                return Ok(None);
            };
            let mut n = [0u8; 8];
            n.copy_from_slice(b);
            (u64::from_be_bytes(n), 10)
        }
        n => (u64::from(n), 2),
    };
    if opcode & 0x8 != 0 && (!fin || len > 125) {
        return Err(Refusal::Protocol);
    }
    let len = usize::try_from(len)
        .ok()
        .filter(|&l| l <= max)
        .ok_or(Refusal::TooBig)?;
    let Some(m) = buf.get(at..at + 4) else {
        return Ok(None);
    };
    Ok(Some(Head {
        fin,
        opcode,
        mask: [m[0], m[1], m[2], m[3]],
        head: at + 4,
        len,
    }))
}

/// Unmasks a frame's payload in place (`payload` is the frame's bytes after its head).
pub fn unmask(h: &Head, payload: &mut [u8]) {
    for (i, b) in payload.iter_mut().enumerate() {
        *b ^= h.mask[i & 3];
    }
}

/// The head of a server frame (final, unmasked) of `len` bytes of payload: its bytes, and how
/// many of them.
pub fn head_of(opcode: u8, len: usize) -> ([u8; 10], usize) {
    let mut h = [0u8; 10];
    h[0] = 0x80 | opcode;
    let n = match len {
        n if n < 126 => {
            h[1] = n as u8;
            2
        }
        n if n <= usize::from(u16::MAX) => {
            h[1] = 126;
            h[2..4].copy_from_slice(&(n as u16).to_be_bytes());
            4
        }
        n => {
            h[1] = 127;
            h[2..10].copy_from_slice(&(n as u64).to_be_bytes());
            10
        }
    };
    (h, n)
}

/// Appends a server frame (final, unmasked) holding `payload` to `out`.
pub fn frame(out: &mut Vec<u8>, opcode: u8, payload: &[u8]) {
    let (h, n) = head_of(opcode, payload.len());
    out.extend_from_slice(&h[..n]);
    out.extend_from_slice(payload);
}

/// Appends a close frame with `code` to `out`.
pub fn close(out: &mut Vec<u8>, code: u16) {
    frame(out, CLOSE, &code.to_be_bytes());
}

/// The close code a client's close frame carries, if it is one a peer may send (RFC 6455
/// §7.4): the one echoed back; otherwise 1000, or 1002 for a malformed close.
pub fn echoed_close(payload: &[u8]) -> u16 {
    match payload {
        [] => 1000,
        [_] => 1002,
        [a, b, reason @ ..] => {
            let code = u16::from_be_bytes([*a, *b]);
            let allowed = matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999);
            if allowed && std::str::from_utf8(reason).is_ok() {
                code
            } else {
                1002
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client frame: masked with a fixed key.
    fn client(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let mut out = vec![(u8::from(fin) << 7) | opcode];
        match payload.len() {
            n if n < 126 => out.push(0x80 | n as u8),
            n if n <= 0xFFFF => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&key);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        out
    }

    #[test]
    fn frames_of_every_length_are_read_back() {
        for n in [0, 1, 125, 126, 65_535, 65_536, 70_000] {
            let payload: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
            let mut f = client(true, TEXT, &payload);
            let h = head(&f, 1 << 20).unwrap().unwrap();
            assert_eq!(
                (h.fin, h.opcode, h.len, h.frame()),
                (true, TEXT, n, f.len())
            );
            // Every prefix of the head asks for more, none is refused.
            for cut in 0..h.head {
                assert_eq!(head(&f[..cut], 1 << 20), Ok(None), "{n}: cut at {cut}");
            }
            let body = &mut f[h.head..];
            unmask(&h, body);
            assert_eq!(body, &payload[..]);
            // What the server frames, a client reads (unmasked, same length encoding).
            let mut out = Vec::new();
            frame(&mut out, TEXT, &payload);
            assert_eq!(out.len(), f.len() - 4);
            assert_eq!(&out[out.len() - n..], &payload[..]);
        }
    }

    #[test]
    fn bad_frames_are_refused() {
        let max = 64 * 1024;
        let refused = |f: &[u8]| head(f, max).unwrap_err();
        let mut unmasked = client(true, TEXT, b"hi");
        unmasked[1] &= 0x7F;
        assert_eq!(refused(&unmasked), Refusal::Protocol);
        let mut reserved = client(true, TEXT, b"hi");
        reserved[0] |= 0x40;
        assert_eq!(
            refused(&reserved),
            Refusal::Protocol,
            "compression not agreed"
        );
        assert_eq!(refused(&client(true, 0x3, b"")), Refusal::Protocol);
        assert_eq!(refused(&client(false, PING, b"")), Refusal::Protocol);
        assert_eq!(refused(&client(true, PING, &[0; 126])), Refusal::Protocol);
        assert_eq!(
            refused(&client(true, TEXT, &vec![b'x'; max + 1])),
            Refusal::TooBig
        );
        // A length of 2^63 is refused from its head alone, before any payload.
        let mut huge = vec![0x81, 0x80 | 127];
        huge.extend_from_slice(&(1u64 << 63).to_be_bytes());
        assert_eq!(refused(&huge), Refusal::TooBig);
        assert!(
            head(&client(true, TEXT, &vec![b'x'; max]), max)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn close_codes_are_echoed_when_a_peer_may_send_them() {
        assert_eq!(echoed_close(&[]), 1000);
        assert_eq!(echoed_close(&[3]), 1002);
        assert_eq!(echoed_close(&1001u16.to_be_bytes()), 1001);
        assert_eq!(echoed_close(&1005u16.to_be_bytes()), 1002, "reserved");
        let mut bad_reason = 4000u16.to_be_bytes().to_vec();
        bad_reason.push(0xFF);
        assert_eq!(echoed_close(&bad_reason), 1002);
    }
}
