//! Keyed rate limits: a named limit (`max` per `window`) applied to keys such as a client address
//! or an account, answering `check(key) -> Result<(), RetryAfter>`.
//!
//! **The algorithm is GCRA** (the "virtual scheduling" form of a token bucket): each key keeps one
//! timestamp, its *theoretical arrival time* (TAT). A key may take `max` at once, then one more
//! every `window / max`; the long-run rate is exactly `max` per `window`. Why this one:
//! - a fixed window lets `2 × max` through in a few seconds across a boundary, and a sliding log
//!   keeps `max` timestamps per key; GCRA keeps 8 bytes per key and has neither fault;
//! - a key whose TAT has passed carries no information (its bucket is full again), so entries
//!   expire by themselves and are dropped whenever room is needed;
//! - giving an attempt back (a successful login) is one subtraction, and the wait before the
//!   next allowed attempt (`Retry-After`) is exact.
//!
//! **Memory is bounded**: at most `max_keys` keys per limit, in shards of hash maps keyed by a
//! 64-bit keyed hash of the key (no copy of the key is kept). A full shard first drops its
//! expired entries, then the least loaded one (the smallest TAT): a key that is locked out has a
//! TAT far ahead, so a flood of fresh keys evicts other fresh keys before it.
//!
//! **Cheap**: a `std` mutex per shard, held for a map lookup and never across an `.await`.
//!
//! **One process.** The counters live in this process's memory (`Tube` holds them). Several
//! `ruche serve` processes behind one proxy would each allow the whole limit (N processes, N
//! times the limit); they would need the TATs shared: a table updated by one statement per
//! attempt (`UPDATE … SET tat = GREATEST(tat, now) + T WHERE GREATEST(tat, now) - now <= τ`,
//! on PostgreSQL, an UNLOGGED table will do), or Redis as PeerTube uses.

use ruche_domain::settings::{RateLimit, RatesSettings};
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long to wait before the next attempt may go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds, rounded up, at least one (what `Retry-After` says).
    pub fn secs(&self) -> u64 {
        let d = self.0;
        (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
    }
}

impl From<RetryAfter> for crate::TubeError {
    fn from(r: RetryAfter) -> Self {
        crate::TubeError::TooManyRequests {
            retry_after_secs: r.secs(),
        }
    }
}

/// `max` attempts per `window`; `max = 0` is no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub window: Duration,
}

impl From<RateLimit> for Limit {
    fn from(r: RateLimit) -> Self {
        Limit {
            max: r.max,
            window: Duration::from_secs(r.window_secs),
        }
    }
}

const SHARDS: usize = 64;

/// One named limit over many keys.
pub struct Limiter {
    name: &'static str,
    limit: Limit,
    /// `window / max`, in nanoseconds: the time one attempt occupies.
    step: u64,
    /// The window, in nanoseconds: how far ahead of now a TAT may be.
    window: u64,
    hasher: RandomState,
    shards: Vec<Mutex<HashMap<u64, u64>>>,
    shard_cap: usize,
    /// Times are kept as nanoseconds since this instant.
    epoch: Instant,
}

impl Limiter {
    pub fn new(name: &'static str, limit: Limit, max_keys: usize) -> Limiter {
        let window = u64::try_from(limit.window.as_nanos()).unwrap_or(u64::MAX / 4);
        let step = if limit.max == 0 {
            0
        } else {
            window / u64::from(limit.max)
        };
        let shard_cap = max_keys.div_ceil(SHARDS).max(1);
        Limiter {
            name,
            limit,
            step,
            window,
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            shard_cap,
            epoch: Instant::now(),
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn limit(&self) -> Limit {
        self.limit
    }

    fn off(&self) -> bool {
        self.limit.max == 0 || self.step == 0
    }

    fn nanos(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX / 4)
    }

    fn shard(&self, h: u64) -> std::sync::MutexGuard<'_, HashMap<u64, u64>> {
        // The low bits pick the shard; a poisoned lock only means a panic elsewhere mid-update
        // of a counter, which is still a valid counter.
        let i = (h as usize) % SHARDS;
        self.shards[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes one attempt for `key`, or says how long until one is allowed.
    pub fn check<K: Hash + ?Sized>(&self, key: &K) -> Result<(), RetryAfter> {
        self.check_at(key, Instant::now())
    }

    /// Whether `check` would let `key` through now, without taking anything.
    pub fn peek<K: Hash + ?Sized>(&self, key: &K) -> Result<(), RetryAfter> {
        self.peek_at(key, Instant::now())
    }

    /// Gives back one attempt taken by `check` (it turned out not to count).
    pub fn refund<K: Hash + ?Sized>(&self, key: &K) {
        self.refund_at(key, Instant::now())
    }

    /// Forgets `key`: its next attempts start afresh.
    pub fn reset<K: Hash + ?Sized>(&self, key: &K) {
        if self.off() {
            return;
        }
        let h = self.hasher.hash_one(key);
        self.shard(h).remove(&h);
    }

    /// How many keys are tracked now (expired ones included until dropped).
    pub fn tracked(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).len())
            .sum()
    }

    /// The most keys this limiter ever tracks.
    pub fn capacity(&self) -> usize {
        self.shard_cap * SHARDS
    }

    fn verdict(&self, tat: u64, now: u64) -> Result<u64, RetryAfter> {
        let next = tat.max(now) + self.step;
        if next - now > self.window {
            Err(RetryAfter(Duration::from_nanos(next - now - self.window)))
        } else {
            Ok(next)
        }
    }

    pub fn check_at<K: Hash + ?Sized>(&self, key: &K, at: Instant) -> Result<(), RetryAfter> {
        if self.off() {
            return Ok(());
        }
        let now = self.nanos(at);
        let h = self.hasher.hash_one(key);
        let mut shard = self.shard(h);
        match shard.get_mut(&h) {
            Some(tat) => {
                *tat = self.verdict(*tat, now)?;
            }
            None => {
                let next = self.verdict(now, now)?;
                if shard.len() >= self.shard_cap {
                    make_room(&mut shard, now);
                }
                shard.insert(h, next);
            }
        }
        Ok(())
    }

    pub fn peek_at<K: Hash + ?Sized>(&self, key: &K, at: Instant) -> Result<(), RetryAfter> {
        if self.off() {
            return Ok(());
        }
        let now = self.nanos(at);
        let h = self.hasher.hash_one(key);
        let tat = self.shard(h).get(&h).copied().unwrap_or(now);
        self.verdict(tat, now).map(|_| ())
    }

    pub fn refund_at<K: Hash + ?Sized>(&self, key: &K, at: Instant) {
        if self.off() {
            return;
        }
        let now = self.nanos(at);
        let h = self.hasher.hash_one(key);
        let mut shard = self.shard(h);
        if let Some(tat) = shard.get_mut(&h) {
            *tat = tat.saturating_sub(self.step);
            if *tat <= now {
                shard.remove(&h);
            }
        }
    }
}

/// Frees one place in a full shard: the least loaded entry (the smallest TAT) goes; when that one
/// has expired, every expired entry goes with it (one pass, which pays for the next inserts).
fn make_room(shard: &mut HashMap<u64, u64>, now: u64) {
    let Some((&k, &tat)) = shard.iter().min_by_key(|(_, tat)| **tat) else {
        return;
    };
    if tat <= now {
        shard.retain(|_, tat| *tat > now);
    } else {
        shard.remove(&k);
    }
}

/// The key a client address is limited by: an IPv4 address itself, an IPv6 address by its /64
/// (one subscriber usually holds a whole /64, and could otherwise pick a fresh address per
/// attempt). An IPv4-mapped IPv6 address is its IPv4 address.
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// An address range: `10.0.0.0/8`, `::1`, `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    bits: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (addr, bits) = match s.split_once('/') {
            Some((a, b)) => (a, Some(b.parse::<u8>().ok()?)),
            None => (s, None),
        };
        let net: IpAddr = addr.parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let bits = bits.unwrap_or(max);
        (bits <= max).then_some(Cidr { net, bits })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.bits)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.bits))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// Which header trusted proxies name the client in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientIpHeader {
    XForwardedFor,
    Forwarded,
}

/// The instance's limits, each with its own name, window and maximum. Later limits (reports,
/// the inbox) join here the same way: a `RateLimit` in `RatesSettings`, a `Limiter`
/// here, a `check` where the action is taken.
pub struct Rates {
    /// Logins and token grants per client address; a success gives its attempt back.
    pub login: Limiter,
    /// Failed logins per account (the login as typed, lowercased); a success resets it.
    pub account: Limiter,
    /// Sign-ups per client address; only those that go through are kept.
    pub signup: Limiter,
    /// Video password guesses (for password-protected videos), per client address and video.
    pub video_password: Limiter,
    /// Comments and replies per account (its user id); one refused for another reason is given
    /// back.
    pub comment: Limiter,
    /// Abuse reports per account (its user id); one refused for another reason is given back.
    pub report: Limiter,
    /// Pictures uploaded per account (its user id), refused ones included.
    pub picture: Limiter,
    /// Videos begun per account (its user id): uploads and imports, refused ones included.
    pub upload: Limiter,
    /// Activities taken in per remote instance (its host), once their signature checks.
    pub inbox: Limiter,
    trusted: Vec<Cidr>,
    pub client_ip_header: ClientIpHeader,
}

impl Rates {
    pub fn new(s: &RatesSettings) -> Result<Rates, String> {
        let trusted = s
            .trusted_proxies
            .iter()
            .map(|p| {
                Cidr::parse(p).ok_or_else(|| {
                    format!("rates.trusted_proxies: {p:?} is not an address or a range")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let client_ip_header = match s.client_ip_header.to_ascii_lowercase().as_str() {
            "x-forwarded-for" => ClientIpHeader::XForwardedFor,
            "forwarded" => ClientIpHeader::Forwarded,
            other => {
                return Err(format!(
                    "rates.client_ip_header: {other:?} is neither x-forwarded-for nor forwarded"
                ));
            }
        };
        let n = s.max_keys;
        Ok(Rates {
            login: Limiter::new("login", s.login.into(), n),
            account: Limiter::new("account", s.account.into(), n),
            signup: Limiter::new("signup", s.signup.into(), n),
            video_password: Limiter::new("video_password", s.video_password.into(), n),
            comment: Limiter::new("comment", s.comment.into(), n),
            report: Limiter::new("report", s.report.into(), n),
            picture: Limiter::new("picture", s.picture.into(), n),
            upload: Limiter::new("upload", s.upload.into(), n),
            inbox: Limiter::new("inbox", s.inbox.into(), n),
            trusted,
            client_ip_header,
        })
    }

    /// Whether `peer` is a proxy whose word on the client's address is believed.
    pub fn trusts(&self, peer: IpAddr) -> bool {
        self.trusted.iter().any(|c| c.contains(peer))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn limiter(max: u32, window_secs: u64, keys: usize) -> Limiter {
        Limiter::new(
            "test",
            Limit {
                max,
                window: Duration::from_secs(window_secs),
            },
            keys,
        )
    }

    #[test]
    fn max_at_once_then_one_per_step() {
        let l = limiter(15, 300, 100);
        let t0 = Instant::now();
        for _ in 0..15 {
            l.check_at("1.2.3.4", t0).unwrap();
        }
        let wait = l.check_at("1.2.3.4", t0).unwrap_err();
        // One attempt every 300 / 15 = 20 s.
        assert_eq!(wait.secs(), 20);
        // Another key is not affected.
        l.check_at("5.6.7.8", t0).unwrap();
        // Just before the step: still refused; at it: one more, and only one.
        let t = t0 + Duration::from_secs(19);
        assert_eq!(l.check_at("1.2.3.4", t).unwrap_err().secs(), 1);
        let t = t0 + Duration::from_secs(20);
        l.check_at("1.2.3.4", t).unwrap();
        assert!(l.check_at("1.2.3.4", t).is_err());
        // A whole window later the bucket is full again.
        let t = t0 + Duration::from_secs(20 + 300);
        for _ in 0..15 {
            l.check_at("1.2.3.4", t).unwrap();
        }
        assert!(l.check_at("1.2.3.4", t).is_err());
    }

    #[test]
    fn long_run_rate_is_max_per_window() {
        let l = limiter(2, 300, 100);
        let t0 = Instant::now();
        let mut allowed = 0;
        // Hammer once a second for an hour: 2 at once, then one per 150 s.
        for s in 0..3600 {
            if l.check_at("k", t0 + Duration::from_secs(s)).is_ok() {
                allowed += 1;
            }
        }
        // At 0 s two, then at 150 s, 300 s, … 3450 s: 23 more.
        assert_eq!(allowed, 25);
    }

    #[test]
    fn refund_peek_and_reset() {
        let l = limiter(3, 60, 100);
        let t0 = Instant::now();
        for _ in 0..3 {
            l.check_at("a", t0).unwrap();
        }
        assert!(l.peek_at("a", t0).is_err());
        l.refund_at("a", t0);
        assert!(
            l.peek_at("a", t0).is_ok(),
            "a refunded attempt is free again"
        );
        // Peeking takes nothing.
        l.peek_at("a", t0).unwrap();
        l.check_at("a", t0).unwrap();
        assert!(l.check_at("a", t0).is_err());
        l.reset("a");
        for _ in 0..3 {
            l.check_at("a", t0).unwrap();
        }
        // Refunding everything drops the entry.
        for _ in 0..3 {
            l.refund_at("a", t0);
        }
        assert_eq!(l.tracked(), 0);
    }

    #[test]
    fn zero_is_no_limit() {
        let l = limiter(0, 60, 10);
        for _ in 0..1000 {
            l.check("a").unwrap();
        }
        assert_eq!(l.tracked(), 0);
    }

    #[test]
    fn entries_expire_and_make_room() {
        let l = limiter(5, 10, 32);
        let t0 = Instant::now();
        for i in 0..32 {
            l.check_at(&i, t0).unwrap();
        }
        assert!(l.tracked() <= l.capacity());
        // Later, fresh keys replace the expired ones rather than growing the maps.
        let later = t0 + Duration::from_secs(11);
        for i in 100..132 {
            l.check_at(&i, later).unwrap();
        }
        assert!(l.tracked() <= l.capacity());
        // The old keys start afresh.
        for _ in 0..5 {
            l.check_at(&0, later).unwrap();
        }
    }

    #[test]
    fn memory_is_capped_and_a_locked_key_survives_a_flood() {
        let l = limiter(5, 300, 1000);
        let t0 = Instant::now();
        for _ in 0..5 {
            l.check_at("victim-lock", t0).unwrap();
        }
        assert!(l.check_at("victim-lock", t0).is_err());
        // A flood of a hundred times the capacity in fresh keys, all within the window.
        for i in 0..100_000u32 {
            let _ = l.check_at(&i, t0 + Duration::from_millis(u64::from(i) / 1000));
            assert!(l.tracked() <= l.capacity(), "never more than the cap");
        }
        assert!(l.capacity() < 1100);
        // The lock is still there (one attempt per 60 s, none yet): the least loaded keys were
        // evicted, not the locked one.
        assert!(
            l.check_at("victim-lock", t0 + Duration::from_secs(30))
                .is_err()
        );
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(RetryAfter(Duration::from_millis(1)).secs(), 1);
        assert_eq!(RetryAfter(Duration::from_millis(20_001)).secs(), 21);
        assert_eq!(RetryAfter(Duration::from_secs(20)).secs(), 20);
        assert_eq!(RetryAfter(Duration::ZERO).secs(), 1);
    }

    #[test]
    fn ipv6_by_its_64_and_mapped_v4_as_v4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        assert_eq!(
            address_key("::ffff:192.0.2.7".parse().unwrap()),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            address_key("192.0.2.7".parse().unwrap()),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn ranges() {
        let r = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(r.contains("10.200.3.4".parse().unwrap()));
        assert!(r.contains("::ffff:10.1.1.1".parse().unwrap()));
        assert!(!r.contains("11.0.0.1".parse().unwrap()));
        let one = Cidr::parse("127.0.0.1").unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        let v6 = Cidr::parse("fd00::/8").unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("fe80::1".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("loopback").is_none());
        let s = RatesSettings {
            trusted_proxies: vec!["nonsense".into()],
            ..Default::default()
        };
        assert!(Rates::new(&s).is_err());
    }
}
