//! Federation: Tube's side of ActivityPub, in PeerTube's vocabulary so that PeerTube and
//! Mastodon read us as they read PeerTube.
//!
//! - [`objects`] makes the documents of our things (actors, videos, comments) and the
//!   activities about them;
//! - [`remote`] fetches other instances' documents (signed, through the guarded fetcher) and
//!   keeps them as our rows: remote actors as accounts and channels, remote videos and comments
//!   in the same tables as ours;
//! - [`inbox`] checks what arrives (HTTP signature, digest, date, signer = actor or an LD
//!   signature) and applies each activity once;
//! - [`outbox`] decides who receives what and stores one delivery per inbox, in the
//!   transaction of the change it announces;
//! - [`delivery`] is the worker that sends them, retrying with backoff, with no dead instance
//!   ever delaying a live one.
//!
//! Signatures themselves are pure functions of `ruche-federation`.

pub mod acceptance;
pub mod collections;
pub mod delivery;
pub mod documents;
pub mod follows;
pub mod inbox;
pub mod objects;
pub mod outbox;
pub mod playlists;
pub mod remote;

use crate::{Tube, TubeError, TubeResult};
use ruche_domain::urls;
use ruche_store::actors::{self, KeyPair};

/// The public audience.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// One of our actors: whose key signs what we send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    Instance,
    Account(i64),
    Channel(i64),
}

impl Signer {
    /// How its key pair is filed in the store.
    pub fn key_ref(self) -> (&'static str, i64) {
        match self {
            Signer::Instance => ("application", 0),
            Signer::Account(id) => ("account", id),
            Signer::Channel(id) => ("channel", id),
        }
    }

    pub fn from_key_ref(kind: &str, id: i64) -> Option<Signer> {
        match kind {
            "application" => Some(Signer::Instance),
            "account" => Some(Signer::Account(id)),
            "channel" => Some(Signer::Channel(id)),
            _ => None,
        }
    }
}

/// Our public URL without its trailing slash: every id we mint starts with it.
pub fn base(tube: &Tube) -> &str {
    urls::base(&tube.settings.public_url)
}

/// Our host as other servers write it in handles and as deliveries group it (`host[:port]`).
pub fn our_host(tube: &Tube) -> String {
    urls::host(&tube.settings.public_url)
}

/// A new key pair, in the store's shape.
fn generate() -> Result<KeyPair, String> {
    let (public_pem, private_pem) =
        ruche_federation::generate_key_pair().map_err(|e| e.to_string())?;
    Ok(KeyPair {
        public_pem,
        private_pem,
    })
}

/// Locks under which key pairs are made, an actor always taking the same one: requests that
/// find an actor without its key wait for the one making it rather than each making its own
/// (an RSA 2048 generation is a costly computation, and a fresh actor's document may be asked
/// for by many servers at once). A fixed number, so they cost nothing to keep; at most that
/// many keys are made at once.
static KEY_LOCKS: [tokio::sync::Mutex<()>; 16] = [const { tokio::sync::Mutex::const_new(()) }; 16];

/// The key pair of a local actor, made and stored on first use (RSA 2048, as PeerTube's), once
/// however many ask for it at the same time.
pub async fn key_pair(tube: &Tube, signer: Signer) -> TubeResult<KeyPair> {
    let (kind, local_id) = signer.key_ref();
    let stored = || async move {
        let mut c = tube.store.read().await?;
        TubeResult::Ok(actors::key(c.ex(), kind, local_id).await?)
    };
    if let Some(k) = stored().await? {
        return Ok(k);
    }
    let of_kind = match signer {
        Signer::Instance => 0,
        Signer::Account(_) => 1,
        Signer::Channel(_) => 2,
    };
    let slot = (local_id as u64).wrapping_mul(3).wrapping_add(of_kind) % KEY_LOCKS.len() as u64;
    let _making = KEY_LOCKS[slot as usize].lock().await;
    // Made by whoever held the lock before us?
    if let Some(k) = stored().await? {
        return Ok(k);
    }
    tracing::info!("making the key pair of {kind} {local_id}");
    let pair = tokio::task::spawn_blocking(generate)
        .await
        .map_err(|e| TubeError::Internal(e.to_string()))?
        .map_err(TubeError::Internal)?;
    let mut tx = tube.store.begin().await?;
    let stored = actors::insert_key(tx.ex(), kind, local_id, &pair).await?;
    tx.commit().await?;
    Ok(stored)
}

/// The id of a local actor's key, as PeerTube publishes it.
pub fn key_id(actor_url: &str) -> String {
    format!("{actor_url}#main-key")
}

/// The URL of one of our actors.
pub async fn signer_url(tube: &Tube, signer: Signer) -> TubeResult<String> {
    let mut c = tube.store.read().await?;
    actor_url_in(c.ex(), base(tube), signer).await
}

/// The URL of one of our actors, read with `ex` (inside a transaction, say).
pub async fn actor_url_in(
    ex: ruche_store::Ex<'_>,
    base: &str,
    signer: Signer,
) -> TubeResult<String> {
    Ok(match signer {
        Signer::Instance => urls::instance_actor(base),
        Signer::Account(id) => {
            urls::account(base, &ruche_store::users::account_by_id(ex, id).await?.name)
        }
        Signer::Channel(id) => urls::channel(
            base,
            &ruche_store::users::channel_by_id(ex, id)
                .await?
                .ok_or(TubeError::NotFound("channel"))?
                .name,
        ),
    })
}

/// Which of our actors a URL names, if it is one of ours.
pub async fn local_actor(tube: &Tube, url: &str) -> TubeResult<Option<Signer>> {
    let base = base(tube);
    let Some(path) = url.strip_prefix(base).and_then(|p| p.strip_prefix('/')) else {
        return Ok(None);
    };
    let mut c = tube.store.read().await?;
    if let Some(name) = path.strip_prefix("accounts/") {
        if name == urls::INSTANCE_ACTOR {
            return Ok(Some(Signer::Instance));
        }
        return Ok(ruche_store::users::local_account_by_name(c.ex(), name)
            .await?
            .map(|a| Signer::Account(a.id)));
    }
    if let Some(name) = path.strip_prefix("video-channels/") {
        return Ok(ruche_store::users::channel_by_name(c.ex(), name)
            .await?
            .filter(|ch| ch.host.is_none())
            .map(|ch| Signer::Channel(ch.id)));
    }
    Ok(None)
}

/// The retry delay after `failures` failures in a row: doubling from the base, capped.
pub fn backoff_ms(tube: &Tube, failures: i64) -> i64 {
    let f = &tube.settings.federation;
    let base = i64::try_from(f.retry_base_secs.max(1)).unwrap_or(60) * 1000;
    let max = i64::try_from(f.retry_max_secs.max(1)).unwrap_or(i64::MAX / 4000) * 1000;
    let shift = u32::try_from(failures.clamp(1, 40) - 1).unwrap_or(0);
    base.saturating_mul(1_i64.checked_shl(shift).unwrap_or(i64::MAX))
        .min(max)
}

/// The headers that sign a request of ours: `Date`, `Digest` (with a body) and `Signature`
/// over `(request-target) host date [digest]`, as PeerTube and Mastodon check them. `Host` is
/// the one the HTTP client sends for `url`.
pub fn signed_headers(
    key_id: &str,
    private_pem: &str,
    method: &str,
    url: &ruche_fetch::Url,
    body: Option<&[u8]>,
) -> Result<Vec<(String, String)>, ruche_federation::SigError> {
    let date = ruche_federation::http_date(std::time::SystemTime::now());
    let host = ruche_fetch::host_header(url);
    let digest = body.map(ruche_federation::digest);
    let mut target = url.path().to_string();
    if let Some(q) = url.query() {
        target.push('?');
        target.push_str(q);
    }
    let header = |name: &str| match name {
        "host" => Some(host.clone()),
        "date" => Some(date.clone()),
        "digest" => digest.clone(),
        _ => None,
    };
    let signature = ruche_federation::sign(method, &target, &header, key_id, private_pem)?;
    let mut out = vec![("Date".to_string(), date.clone())];
    if let Some(d) = &digest {
        out.push(("Digest".to_string(), d.clone()));
    }
    out.push(("Signature".to_string(), signature));
    Ok(out)
}

/// Starts the federation workers until `shutdown`: the delivery worker, and the job queue that
/// applies activities taken in, pushes videos' new counts, reads newly followed outboxes and
/// carries out scheduled publications (which federate the video).
pub fn spawn(tube: std::sync::Arc<Tube>, shutdown: tokio_util::sync::CancellationToken) {
    use std::time::Duration;
    delivery::spawn(tube.clone(), shutdown.clone());
    let queue = ruche_jobs::Queue {
        name: "federation",
        // In this order when several are due: what arrived first.
        kinds: vec![
            inbox::JOB,
            outbox::PUSH_JOB,
            follows::CRAWL_JOB,
            crate::editing::SCHEDULE_JOB,
        ],
        workers: 4,
        // Longer than any job takes (a few fetches, each bounded by the fetcher's timeout); kept
        // alive while the job runs.
        lease: Duration::from_secs(120),
        poll: Duration::from_secs(1),
        grace: Duration::from_secs(10),
    };
    let wake = tube.federation_ready.clone();
    let work = std::sync::Arc::new(Jobs(tube.clone()));
    ruche_jobs::spawn(tube.store.clone(), queue, wake, shutdown, work);
}

/// The federation queue's work: applying what the inbox took in, pushing counts, reading
/// outboxes.
struct Jobs(std::sync::Arc<Tube>);

impl ruche_jobs::Handler for Jobs {
    async fn run(&self, job: ruche_store::jobs::Job) -> ruche_jobs::Outcome {
        run_job(&self.0, &job).await
    }
}

/// The longest a federation job may run. Each fetch is bounded by the fetcher, but a job may
/// make many, and its lease is renewed while it runs: without this bound, a server answering
/// slowly page after page could hold a worker for ever. Past it, the job is tried again later.
const JOB_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// One federation job.
async fn run_job(tube: &Tube, job: &ruche_store::jobs::Job) -> ruche_jobs::Outcome {
    let work = async {
        match job.kind.as_str() {
            inbox::JOB => inbox::apply_job(tube, &job.payload).await,
            outbox::PUSH_JOB => outbox::push_job(tube, &job.payload).await,
            crate::editing::SCHEDULE_JOB => crate::editing::run_schedule(tube, &job.payload).await,
            _ => follows::crawl_outbox(tube, &job.payload).await,
        }
    };
    outcome(job, within(JOB_TIME_LIMIT, work).await)
}

/// `work`, or a `Remote` error (another server kept us waiting) if it is not done within `limit`.
async fn within(
    limit: std::time::Duration,
    work: impl std::future::Future<Output = TubeResult<()>>,
) -> TubeResult<()> {
    tokio::time::timeout(limit, work).await.unwrap_or_else(|_| {
        Err(TubeError::Remote(format!(
            "the job did not end within {} s",
            limit.as_secs()
        )))
    })
}

/// What becomes of a federation job that ended with `result`.
fn outcome(job: &ruche_store::jobs::Job, result: TubeResult<()>) -> ruche_jobs::Outcome {
    use ruche_jobs::Outcome;
    match result {
        Ok(()) => Outcome::Done,
        // Another server did not answer, or ours failed: worth another try, later.
        Err(
            e @ (TubeError::Remote(_)
            | TubeError::Store(_)
            | TubeError::Io(_)
            | TubeError::Internal(_)),
        ) => Outcome::Retry {
            reason: e.to_string(),
            after: std::time::Duration::from_millis(
                u64::try_from(5_000 * job.attempts * job.attempts).unwrap_or(5_000),
            ),
        },
        // What it asks is not allowed or not ours: applying it again would not help.
        Err(e) => {
            tracing::info!("{} job {} refused: {e}", job.kind, job.id);
            Outcome::Done
        }
    }
}

/// `activity` with the RsaSignature2017 LD signature of the key `key_id`, as PeerTube adds to
/// everything it sends on an actor's behalf (so that others can forward it). An activity that
/// cannot be signed goes unsigned rather than not at all; HTTP signatures still cover it.
pub fn ld_sign(activity: &serde_json::Value, key_id: &str, private_pem: &str) -> serde_json::Value {
    let created = ruche_store::iso(ruche_store::now_ms());
    match ruche_federation::ld::sign(activity, key_id, private_pem, &created) {
        Ok(signed) => signed,
        Err(e) => {
            tracing::warn!("could not LD-sign {}: {e}", activity["id"]);
            activity.clone()
        }
    }
}

/// Whether `activity` carries a valid LD signature of `actor` (a forwarded activity's proof
/// that its actor said it). The document is canonicalised once, off the async threads; the key
/// is fetched again once if it no longer verifies (a rotated key), which costs one more RSA
/// check, not another canonicalisation.
pub async fn ld_verified(tube: &Tube, activity: &serde_json::Value, actor: &str) -> bool {
    let Some(creator) = ruche_federation::ld::creator(activity).map(str::to_string) else {
        return false;
    };
    if ruche_federation::key_owner(&creator) != actor && !creator.starts_with("acct:") {
        return false;
    }
    let Ok(first) = remote::actor_for_key(tube, &creator, false).await else {
        return false;
    };
    if first.url != actor {
        return false;
    }
    let doc = activity.clone();
    let prepared =
        match tokio::task::spawn_blocking(move || ruche_federation::ld::prepare(&doc)).await {
            Ok(Ok(p)) => p,
            _ => return false,
        };
    let holds = |a: &ruche_store::federation::RemoteActor| {
        a.url == actor
            && a.public_key_pem
                .as_deref()
                .is_some_and(|pem| prepared.check(pem).is_ok())
    };
    if holds(&first) {
        return true;
    }
    match remote::actor_for_key(tube, &creator, true).await {
        Ok(fresh) => holds(&fresh),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_job_that_does_not_end_is_tried_again_later() {
        let job = ruche_store::jobs::Job {
            id: 1,
            kind: follows::CRAWL_JOB.into(),
            payload: "{}".into(),
            attempts: 1,
            max_attempts: 3,
            video_id: None,
        };
        let stuck = within(
            std::time::Duration::from_millis(20),
            std::future::pending::<TubeResult<()>>(),
        )
        .await;
        assert!(matches!(stuck, Err(TubeError::Remote(_))), "{stuck:?}");
        assert!(matches!(
            outcome(&job, stuck),
            ruche_jobs::Outcome::Retry { .. }
        ));
        let quick = within(std::time::Duration::from_secs(60), async { Ok(()) }).await;
        assert!(matches!(outcome(&job, quick), ruche_jobs::Outcome::Done));
    }
}
