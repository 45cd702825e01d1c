//! The one loop that runs persisted jobs (`ruche_store::jobs`): every kind of background work —
//! transcoding, applying what the inbox took in, pushing counts, reading outboxes, mailing —
//! is a [`Queue`] run by [`spawn`]. The runner claims due jobs with a lease and keeps the lease
//! alive while a job runs, so a worker that dies lets its job run again elsewhere; it turns a
//! handler's [`Outcome`] into the job's fate (done, retried later, failed for good); it catches
//! a panic in a job, which fails that job with the panic's message, and goes on with the next;
//! idle workers look with a read whether anything is due before they claim (a claim is a write,
//! and SQLite has one writer); and on shutdown it stops claiming, lets running jobs finish for a
//! grace period, and gives the others back to the queue for the next start.
//!
//! [`every`] is the same promise for periodic housekeeping: a panic in one round is logged and
//! the next round comes.

use futures_util::FutureExt;
use ruche_store::Store;
use ruche_store::jobs;
/// A job as its handler gets it.
pub use ruche_store::jobs::Job;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// What became of one run of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done: the job is removed.
    Done,
    /// Try again after this long (while attempts remain; then it fails for good).
    Retry { reason: String, after: Duration },
    /// Failed for good: the job stays, failed, with its reason.
    Failed(String),
    /// Not the job's fault (a full disk, say): tried again after this long, for as long as it
    /// takes, without using up an attempt.
    Later { reason: String, after: Duration },
}

/// The work of a queue: what runs one stored job, and what happens when one fails for good.
/// Transcoding, federation and mail each implement it once; a new kind of background work (a
/// torrent to make, an import, a notification) is a new implementation and a [`Queue`].
pub trait Handler: Send + Sync + 'static {
    /// Runs one job and says what became of it. A panic here is caught: the job fails for good
    /// with the panic's message.
    fn run(&self, job: Job) -> impl Future<Output = Outcome> + Send;

    /// Called, in no transaction, when a job has failed for good (its attempts are spent, it
    /// panicked or said `Failed`): the video whose transcoding gave up is marked failed, say.
    fn gave_up(&self, job: Job, reason: String) -> impl Future<Output = ()> + Send {
        let _ = (job, reason);
        async {}
    }
}

/// One kind (or several, taken in order) of background work.
#[derive(Clone)]
pub struct Queue {
    /// A name for the logs.
    pub name: &'static str,
    /// The job kinds this queue runs, the first preferred when several are due.
    pub kinds: Vec<&'static str>,
    /// Workers running jobs at once.
    pub workers: usize,
    /// How long a claim holds a job; renewed every third of it while the job runs.
    pub lease: Duration,
    /// How often an idle worker looks for work enqueued by another process (a wake-up comes at
    /// once for work enqueued by this one).
    pub poll: Duration,
    /// How long running jobs may go on after shutdown is asked before they are given back.
    pub grace: Duration,
}

/// Starts the queue's workers; they run until `shutdown` is cancelled.
pub fn spawn<H: Handler>(
    store: Store,
    queue: Queue,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
    handler: Arc<H>,
) -> Vec<JoinHandle<()>> {
    (0..queue.workers.max(1))
        .map(|n| {
            let w = Worker {
                store: store.clone(),
                queue: queue.clone(),
                wake: wake.clone(),
                shutdown: shutdown.clone(),
                handler: handler.clone(),
            };
            tokio::spawn(async move {
                tracing::info!("{} worker {n} started", w.queue.name);
                w.run().await;
                tracing::info!("{} worker {n} stopped", w.queue.name);
            })
        })
        .collect()
}

struct Worker<H> {
    store: Store,
    queue: Queue,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
    handler: Arc<H>,
}

impl<H: Handler> Worker<H> {
    async fn run(&self) {
        while !self.shutdown.is_cancelled() {
            let worked = AssertUnwindSafe(self.once()).catch_unwind().await;
            match worked {
                Ok(Ok(true)) => continue,
                Ok(Ok(false)) => {}
                Ok(Err(e)) => tracing::error!("{} worker: {e}", self.queue.name),
                Err(p) => tracing::error!("{} worker: panicked: {}", self.queue.name, message(&p)),
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.queue.poll) => {}
                _ = self.shutdown.cancelled() => {}
            }
        }
    }

    /// Claims and runs one job; false when none was due.
    async fn once(&self) -> Result<bool, ruche_store::StoreError> {
        let due = {
            let mut c = self.store.read().await?;
            jobs::any_due(c.ex(), &self.queue.kinds).await?
        };
        if !due {
            return Ok(false);
        }
        let lease_ms = i64::try_from(self.queue.lease.as_millis()).unwrap_or(i64::MAX / 2);
        for kind in &self.queue.kinds {
            if let Some(job) = jobs::claim(&self.store, kind, lease_ms).await? {
                self.run_job(job, lease_ms).await?;
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn run_job(&self, job: Job, lease_ms: i64) -> Result<(), ruche_store::StoreError> {
        let keep_alive = tokio::spawn(heartbeat(self.store.clone(), job.id, lease_ms));
        let work = AssertUnwindSafe(self.handler.run(job.clone())).catch_unwind();
        tokio::pin!(work);
        let shutdown = self.shutdown.clone();
        let outcome = tokio::select! {
            o = &mut work => Some(o),
            _ = async {
                shutdown.cancelled().await;
                tokio::time::sleep(self.queue.grace).await;
            } => None,
        };
        keep_alive.abort();
        let mut tx = self.store.begin().await?;
        let gave_up = match outcome {
            // Shut down before it ended: back to the queue, for the next start (or another
            // process) to run again.
            None => {
                tracing::info!("{} job {} given back at shutdown", self.queue.name, job.id);
                jobs::release(tx.ex(), job.id).await?;
                None
            }
            Some(Ok(Outcome::Done)) => {
                jobs::complete(tx.ex(), job.id).await?;
                None
            }
            Some(Ok(Outcome::Retry { reason, after })) => {
                let after = i64::try_from(after.as_millis()).unwrap_or(i64::MAX / 2);
                let again = jobs::fail(tx.ex(), &job, &reason, Some(after)).await?;
                tracing::info!(
                    "{} job {} (attempt {}) failed: {reason}{}",
                    self.queue.name,
                    job.id,
                    job.attempts,
                    if again {
                        "; it will be tried again"
                    } else {
                        "; given up"
                    }
                );
                (!again).then_some(reason)
            }
            Some(Ok(Outcome::Later { reason, after })) => {
                let after = i64::try_from(after.as_millis()).unwrap_or(i64::MAX / 2);
                let patient = Job {
                    max_attempts: i64::MAX,
                    ..job.clone()
                };
                jobs::fail(tx.ex(), &patient, &reason, Some(after)).await?;
                tracing::warn!(
                    "{} job {}: {reason}; it will be tried again",
                    self.queue.name,
                    job.id
                );
                None
            }
            Some(Ok(Outcome::Failed(reason))) => {
                tracing::info!("{} job {} failed: {reason}", self.queue.name, job.id);
                jobs::fail(tx.ex(), &job, &reason, None).await?;
                Some(reason)
            }
            // A panic is a fault of ours that trying again would repeat: the job fails with it,
            // and this worker goes on.
            Some(Err(p)) => {
                let reason = format!("panicked: {}", message(&p));
                tracing::error!("{} job {} {reason}", self.queue.name, job.id);
                jobs::fail(tx.ex(), &job, &reason, None).await?;
                Some(reason)
            }
        };
        tx.commit().await?;
        if let Some(reason) = gave_up
            && let Err(p) = AssertUnwindSafe(self.handler.gave_up(job.clone(), reason))
                .catch_unwind()
                .await
        {
            tracing::error!(
                "{} job {}: giving up panicked: {}",
                self.queue.name,
                job.id,
                message(&p)
            );
        }
        Ok(())
    }
}

/// Renews a running job's lease every third of it, until aborted.
async fn heartbeat(store: Store, id: i64, lease_ms: i64) {
    let every = Duration::from_millis(u64::try_from(lease_ms / 3).unwrap_or(1000).max(100));
    loop {
        tokio::time::sleep(every).await;
        let renewed = async {
            let mut tx = store.begin().await?;
            jobs::heartbeat(tx.ex(), id, lease_ms).await?;
            tx.commit_unseen().await
        }
        .await;
        if let Err(e) = renewed {
            tracing::warn!("job {id}: the lease could not be renewed: {e}");
        }
    }
}

/// Runs `round` every `period` until `shutdown`; a round that fails or panics is logged and the
/// next one comes all the same.
pub fn every<F, Fut>(
    name: &'static str,
    period: Duration,
    shutdown: CancellationToken,
    mut round: F,
) -> JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    tokio::spawn(async move {
        loop {
            match AssertUnwindSafe(round()).catch_unwind().await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!("{name}: {e}"),
                Err(p) => tracing::error!("{name}: panicked: {}", message(&p)),
            }
            tokio::select! {
                _ = tokio::time::sleep(period) => {}
                _ = shutdown.cancelled() => return,
            }
        }
    })
}

/// A panic's message, as `panic!` gave it.
pub fn message(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

#[cfg(test)]
mod tests;
