//! The delivery worker: sends the stored deliveries, each signed afresh (a new `Date`, so a
//! retry days later still verifies), many at once but at most a few per instance — and one
//! until an instance has answered — so a slow or dead instance holds only its own deliveries
//! and never delays the others'.
//!
//! A failed attempt waits longer each time (doubling from `retry_base_secs` to
//! `retry_max_secs`); the first failure of an instance also holds every other delivery to it
//! until its next try, so a dead instance costs one attempt per round, not one per delivery.
//! When it answers again, or speaks to us, what it missed is due at once. An instance
//! unreachable for `give_up_after_secs` is given up. An inbox that refuses an activity for good
//! (a 4xx other than 408 and 429) does not get it again.
//!
//! Deliveries are claimed with a lease, as jobs are: a worker that dies mid-delivery leaves it
//! to be claimed again, so an activity may arrive twice but is never lost (inboxes ignore an
//! activity id they have seen).
//!
//! Why not a `ruche_jobs` queue: that runner takes due jobs of a kind in order, while
//! deliveries are chosen per instance (the limits above, an instance's failures holding all of
//! its deliveries). It keeps the runner's other promises: leases, a panic ends one delivery (for
//! good, as a fault of ours would only repeat) and never the worker or a slot, shutdown stops
//! claiming, and an idle worker only reads.

use super::{Signer, backoff_ms};
use crate::{Tube, TubeError};
use ruche_federation::ap;
use ruche_fetch::FetchError;
use ruche_store::actors::KeyPair;
use ruche_store::federation::{self as fstore, Delivery};
use ruche_store::now_ms;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// What is in flight, in this process.
#[derive(Default)]
struct Flight {
    total: usize,
    per_host: HashMap<String, usize>,
    /// When each host last answered. A host that has not answered in the last
    /// [`ANSWER_FRESH`] gets one delivery at a time until it does (a slow start): an instance
    /// that died since, and holds connections open without answering, then ties up one slot,
    /// not `delivery_per_host` of them.
    answered: HashMap<String, std::time::Instant>,
    /// Deliveries in flight to hosts not (yet) answering. They may take half the slots at most,
    /// so however many instances are dead, those that answer keep the other half.
    probing: usize,
}

/// How long an answer from a host vouches for it: after this, it is probed again with one
/// delivery before it gets more.
const ANSWER_FRESH: Duration = Duration::from_secs(2);

impl Flight {
    fn answering(&self, host: &str) -> bool {
        self.answered
            .get(host)
            .is_some_and(|at| at.elapsed() < ANSWER_FRESH)
    }
}

/// Signing material per local actor: (key id, private key), read once.
type Keys = Mutex<HashMap<(String, i64), (String, String)>>;

/// Starts the worker; it stops taking deliveries when `shutdown` is cancelled (those in
/// flight end on their own timeout; their leases lapse if the process goes first).
pub fn spawn(tube: Arc<Tube>, shutdown: tokio_util::sync::CancellationToken) {
    tokio::spawn(async move {
        run(tube, shutdown).await;
    });
}

async fn run(tube: Arc<Tube>, shutdown: tokio_util::sync::CancellationToken) {
    use futures_util::FutureExt;
    let flight: Arc<Mutex<Flight>> = Default::default();
    let keys: Arc<Keys> = Default::default();
    let freed = Arc::new(Notify::new());
    let mut last_give_up = 0;
    while !shutdown.is_cancelled() {
        if now_ms() - last_give_up > 60_000 {
            last_give_up = now_ms();
            give_up(&tube).await;
        }
        // A round that panics is a fault of ours: logged, and the worker goes on.
        let round = std::panic::AssertUnwindSafe(dispatch(&tube, &flight, &keys, &freed))
            .catch_unwind()
            .await;
        let started = match round {
            Ok(Ok(n)) => n,
            Ok(Err(e)) => {
                tracing::error!("delivery worker: {e}");
                0
            }
            Err(_) => {
                tracing::error!("delivery worker: a round panicked");
                0
            }
        };
        if started > 0 {
            // More may be due right away (the round was cut by the limits): look again as soon
            // as a slot frees, without waiting for a timer.
            continue_after(&tube, &freed, Duration::from_millis(50), &shutdown).await;
            continue;
        }
        let wait = next_wait(&tube).await;
        continue_after(&tube, &freed, wait, &shutdown).await;
    }
}

/// Sleeps until `wait` passes, a delivery is stored, or a slot frees.
async fn continue_after(
    tube: &Tube,
    freed: &Notify,
    wait: Duration,
    shutdown: &tokio_util::sync::CancellationToken,
) {
    tokio::select! {
        _ = shutdown.cancelled() => {}
        _ = tube.deliveries_ready.notified() => {}
        _ = freed.notified() => {}
        _ = tokio::time::sleep(wait) => {}
    }
}

/// How long until the next delivery is due (bounded, as other processes may add some).
async fn next_wait(tube: &Tube) -> Duration {
    let next = async {
        let mut c = tube.store.read().await?;
        fstore::next_delivery_at(c.ex()).await
    }
    .await
    .ok()
    .flatten();
    let ms = next.map_or(1000, |at| (at - now_ms()).clamp(10, 1000));
    Duration::from_millis(u64::try_from(ms).unwrap_or(1000))
}

/// Claims what the limits allow and starts it; returns how many were started.
async fn dispatch(
    tube: &Arc<Tube>,
    flight: &Arc<Mutex<Flight>>,
    keys: &Arc<Keys>,
    freed: &Arc<Notify>,
) -> Result<usize, ruche_store::StoreError> {
    let settings = &tube.settings.federation;
    let global = settings.delivery_concurrency.max(1);
    let per_host = settings.delivery_per_host.max(1);
    let lease = i64::try_from(settings.delivery_timeout_secs)
        .unwrap_or(15)
        .saturating_mul(2000)
        + 5000;
    let hosts = {
        let mut c = tube.store.read().await?;
        fstore::due_hosts(c.ex(), 1000).await?
    };
    let mut started = 0;
    for (host, due) in hosts {
        let free = {
            let f = flight.lock().unwrap_or_else(|e| e.into_inner());
            let busy = f.per_host.get(&host).copied().unwrap_or(0);
            let free = global.saturating_sub(f.total);
            if f.answering(&host) {
                free.min(per_host.saturating_sub(busy))
            } else {
                free.min(1_usize.saturating_sub(busy))
                    .min((global / 2).max(1).saturating_sub(f.probing))
            }
        };
        if free == 0 {
            continue;
        }
        let n = i64::try_from(free).unwrap_or(1).min(due);
        let claimed = fstore::claim_deliveries(&tube.store, &host, n, lease).await?;
        for d in claimed {
            let probe = {
                let mut f = flight.lock().unwrap_or_else(|e| e.into_inner());
                f.total += 1;
                *f.per_host.entry(d.host.clone()).or_default() += 1;
                let probe = !f.answering(&d.host);
                if probe {
                    f.probing += 1;
                }
                probe
            };
            started += 1;
            let (tube, flight, keys, freed) =
                (tube.clone(), flight.clone(), keys.clone(), freed.clone());
            tokio::spawn(async move {
                let host = d.host.clone();
                let answered = deliver(&tube, &keys, d).await;
                {
                    let mut f = flight.lock().unwrap_or_else(|e| e.into_inner());
                    if probe {
                        f.probing = f.probing.saturating_sub(1);
                    }
                    if answered {
                        f.answered.insert(host.clone(), std::time::Instant::now());
                    } else {
                        f.answered.remove(&host);
                    }
                    f.total = f.total.saturating_sub(1);
                    if let Some(n) = f.per_host.get_mut(&host) {
                        *n = n.saturating_sub(1);
                        if *n == 0 {
                            f.per_host.remove(&host);
                        }
                    }
                }
                freed.notify_one();
            });
        }
        let full = flight.lock().unwrap_or_else(|e| e.into_inner()).total >= global;
        if full {
            break;
        }
    }
    Ok(started)
}

/// The key id and private key of the local actor that signs a delivery.
async fn signing_key(tube: &Tube, keys: &Keys, d: &Delivery) -> Result<(String, String), Outcome> {
    let k = (d.signer_kind.clone(), d.signer_id);
    if let Some(found) = keys.lock().unwrap_or_else(|e| e.into_inner()).get(&k) {
        return Ok(found.clone());
    }
    let failed = |e: String| Outcome::Failed(format!("signing key: {e}"));
    let signer = Signer::from_key_ref(&d.signer_kind, d.signer_id)
        .ok_or_else(|| Outcome::Refused(format!("unknown signer {}", d.signer_kind)))?;
    let (url, pair) = match super::signer_url(tube, signer).await {
        Ok(url) => (
            url,
            super::key_pair(tube, signer)
                .await
                .map_err(|e| failed(e.to_string()))?,
        ),
        // A deleted actor's own Delete: signed by it, with the key kept for that, never a new
        // one. Anything else it had still to send is dropped.
        Err(TubeError::NotFound(_)) => deleted_signer(tube, d).await?,
        Err(e) => return Err(failed(e.to_string())),
    };
    let found = (super::key_id(&url), pair.private_pem);
    keys.lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(k, found.clone());
    Ok(found)
}

/// The URL and key of an actor deleted since it sent `d`: only for its Delete of itself.
async fn deleted_signer(tube: &Tube, d: &Delivery) -> Result<(String, KeyPair), Outcome> {
    let gone = || Outcome::Refused("its sender was deleted".into());
    let body: serde_json::Value = serde_json::from_str(&d.body).map_err(|_| gone())?;
    let actor = ap::id_of(&body["actor"]).unwrap_or_default().to_string();
    if ap::type_of(&body) != "Delete" || ap::id_of(&body["object"]) != Some(actor.as_str()) {
        return Err(gone());
    }
    let failed = |e: ruche_store::StoreError| Outcome::Failed(format!("signing key: {e}"));
    let mut c = tube.store.read().await.map_err(failed)?;
    let pair = ruche_store::actors::key(c.ex(), &d.signer_kind, d.signer_id)
        .await
        .map_err(failed)?
        .ok_or_else(gone)?;
    Ok((actor, pair))
}

/// How an attempt ended.
enum Outcome {
    Delivered,
    /// The inbox will never take it (a 4xx, or an address we must not reach).
    Refused(String),
    /// Worth trying again later.
    Failed(String),
}

async fn attempt(tube: &Tube, keys: &Keys, d: &Delivery) -> Outcome {
    let (key_id, pem) = match signing_key(tube, keys, d).await {
        Ok(k) => k,
        Err(outcome) => return outcome,
    };
    let Ok(url) = ruche_fetch::Url::parse(&d.inbox) else {
        return Outcome::Refused("not a URL".into());
    };
    let body = bytes::Bytes::from(d.body.clone());
    let mut headers = match super::signed_headers(&key_id, &pem, "POST", &url, Some(&body)) {
        Ok(h) => h,
        Err(e) => return Outcome::Failed(format!("signing: {e}")),
    };
    headers.push(("Content-Type".into(), "application/activity+json".into()));
    headers.push(("Accept".into(), super::remote::AP_ACCEPT.into()));
    let timeout = Duration::from_secs(tube.settings.federation.delivery_timeout_secs.max(1));
    match tube.fetcher.post(&d.inbox, headers, body, timeout).await {
        Ok(_) => Outcome::Delivered,
        Err(FetchError::Status(s)) if (400..500).contains(&s) && s != 408 && s != 429 => {
            Outcome::Refused(format!("the inbox answered {s}"))
        }
        Err(
            e @ (FetchError::ForbiddenAddress(_) | FetchError::InsecureScheme | FetchError::BadUrl),
        ) => Outcome::Refused(e.to_string()),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// Makes one attempt and records its outcome; returns whether the inbox answered.
async fn deliver(tube: &Tube, keys: &Keys, d: Delivery) -> bool {
    use futures_util::FutureExt;
    let outcome = std::panic::AssertUnwindSafe(attempt(tube, keys, &d))
        .catch_unwind()
        .await
        .unwrap_or_else(|p| Outcome::Refused(format!("panicked: {}", ruche_jobs::message(&p))));
    let answered = !matches!(outcome, Outcome::Failed(_));
    let result = async {
        let mut tx = tube.store.begin().await?;
        match &outcome {
            Outcome::Delivered => {
                fstore::delivered(tx.ex(), &d).await?;
                let resumed = fstore::host_reachable(tx.ex(), &d.host).await?;
                tx.commit().await?;
                if resumed {
                    tube.deliveries_ready.notify_waiters();
                }
            }
            Outcome::Refused(why) => {
                tracing::warn!("delivery to {} refused for good: {why}", d.inbox);
                fstore::delivery_dropped(tx.ex(), &d).await?;
                fstore::host_reachable(tx.ex(), &d.host).await?;
                tx.commit().await?;
            }
            Outcome::Failed(why) => {
                let failures = fstore::host_failed(tx.ex(), &d.host).await?;
                let host_wait = backoff_ms(tube, failures);
                let own_wait = backoff_ms(tube, d.attempts);
                let now = now_ms();
                fstore::delivery_failed(tx.ex(), d.id, why, now + own_wait.max(host_wait)).await?;
                fstore::postpone_host(tx.ex(), &d.host, now + host_wait).await?;
                tx.commit().await?;
                tracing::info!(
                    "delivery to {} failed ({why}); {} failures in a row, next try in {} s",
                    d.inbox,
                    failures,
                    own_wait.max(host_wait) / 1000
                );
            }
        }
        Ok::<_, ruche_store::StoreError>(())
    }
    .await;
    if let Err(e) = result {
        // The lease lapses and another round tries again.
        tracing::error!("delivery {}: {e}", d.id);
    }
    answered
}

/// Drops deliveries to instances unreachable for longer than allowed (with none waiting, it
/// only reads: an idle instance takes no write lock).
async fn give_up(tube: &Tube) {
    let after = i64::try_from(tube.settings.federation.give_up_after_secs)
        .unwrap_or(i64::MAX / 1000)
        .saturating_mul(1000);
    let result = async {
        let waiting = {
            let mut c = tube.store.read().await?;
            fstore::next_delivery_at(c.ex()).await?.is_some()
        };
        if !waiting {
            return Ok(0);
        }
        let mut tx = tube.store.begin().await?;
        let n = fstore::give_up_hosts(tx.ex(), now_ms().saturating_sub(after)).await?;
        tx.commit().await?;
        Ok::<_, ruche_store::StoreError>(n)
    }
    .await;
    match result {
        Ok(0) => {}
        Ok(n) => tracing::warn!("gave up {n} deliveries to instances unreachable for too long"),
        Err(e) => tracing::error!("giving up deliveries: {e}"),
    }
}
