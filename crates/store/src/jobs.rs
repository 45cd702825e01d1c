//! The persisted job queue. A job is claimed with a lease (`locked_until`) that its worker
//! renews while it runs; a worker killed mid-job stops renewing, the lease lapses and another
//! claim picks the job up again. Jobs are enqueued in the same transaction as the change that
//! asks for them, so a committed change never lacks its job.

use crate::{Ex, Result, Store, StoreError, Tx, dual, now_ms};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub video_id: Option<i64>,
}

/// Adds a job, runnable now.
pub async fn enqueue(
    ex: Ex<'_>,
    kind: &str,
    payload: &str,
    video_id: Option<i64>,
    max_attempts: i64,
) -> Result<i64> {
    let now = now_ms();
    dual!(ex, |c| {
        sqlx::query_scalar(
        "INSERT INTO jobs (kind, payload, state, attempts, max_attempts, run_at, video_id, created_at, updated_at)
         VALUES ($1, $2, 'pending', 0, $3, $4, $5, $4, $4) RETURNING id"
    )
    .bind(kind)
    .bind(payload)
    .bind(max_attempts)
    .bind(now)
    .bind(video_id)
    .fetch_one(c)
    .await
    .map_err(StoreError::from)
    })
}

/// Adds a job of `kind` for `video_id` runnable in `delay_ms`, unless one is already waiting:
/// repeated asks within the delay make one job (a debounce). Returns whether one was added. The
/// database's unique index on waiting jobs' `once_key` makes it hold across processes.
pub async fn enqueue_once(
    ex: Ex<'_>,
    kind: &str,
    payload: &str,
    video_id: i64,
    delay_ms: i64,
) -> Result<bool> {
    let now = now_ms();
    let key = format!("{kind}:{video_id}");
    dual!(ex, |c| {
        sqlx::query(
        "INSERT INTO jobs (kind, payload, state, attempts, max_attempts, run_at, video_id, created_at, updated_at, once_key)
         VALUES ($1, $2, 'pending', 0, 3, $3, $4, $5, $5, $6)
         ON CONFLICT (once_key) WHERE state = 'pending' DO NOTHING"
    )
    .bind(kind)
    .bind(payload)
    .bind(now + delay_ms)
    .bind(video_id)
    .bind(now)
    .bind(&key)
    .execute(c)
    .await
    .map(|r| r.rows_affected() == 1)
    .map_err(StoreError::from)
    })
}

/// Sets the one waiting job of `kind` for `video_id` to run at `run_at` (ms since the epoch),
/// adding it if none waits: a job that follows a date its video may move (a scheduled
/// publication), never two of them.
pub async fn enqueue_at(
    ex: Ex<'_>,
    kind: &str,
    payload: &str,
    video_id: i64,
    run_at: i64,
) -> Result<()> {
    let now = now_ms();
    let key = format!("{kind}:{video_id}");
    dual!(ex, |c| {
        sqlx::query(
        "INSERT INTO jobs (kind, payload, state, attempts, max_attempts, run_at, video_id, created_at, updated_at, once_key)
         VALUES ($1, $2, 'pending', 0, 5, $3, $4, $5, $5, $6)
         ON CONFLICT (once_key) WHERE state = 'pending'
         DO UPDATE SET run_at = excluded.run_at, payload = excluded.payload, updated_at = excluded.updated_at"
    )
    .bind(kind)
    .bind(payload)
    .bind(run_at)
    .bind(video_id)
    .bind(now)
    .bind(&key)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from)
    })
}

/// Whether a job of one of `kinds` can be claimed now (pending and due, or running with a
/// lapsed lease): a read, so that idle workers poll without opening write transactions (on
/// SQLite every claim takes the one writer).
pub async fn any_due(ex: Ex<'_>, kinds: &[&str]) -> Result<bool> {
    let now = now_ms();
    let marks = crate::placeholders(2, kinds.len());
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM jobs WHERE kind IN ({}) AND
             ((state = 'pending' AND run_at <= $1) OR (state = 'running' AND locked_until < $1)))",
        marks
    );
    dual!(ex, |c| {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).bind(now);
        for k in kinds {
            q = q.bind(*k);
        }
        q.fetch_one(c).await.map_err(StoreError::from)
    })
}

/// Gives a running job back to the queue untouched (its worker stops: the process shuts down),
/// runnable at once by the next worker; the attempt it was on does not count.
pub async fn release(ex: Ex<'_>, id: i64) -> Result<()> {
    let now = now_ms();
    dual!(ex, |c| sqlx::query(
        "UPDATE jobs SET state = 'pending', locked_until = NULL, run_at = $2,
             attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, updated_at = $2
         WHERE id = $1 AND state = 'running'"
    )
    .bind(id)
    .bind(now)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// When the next job of `kind` is due, if any (a worker with nothing to do sleeps until then).
pub async fn next_due(ex: Ex<'_>, kind: &str) -> Result<Option<i64>> {
    dual!(ex, |c| sqlx::query_scalar(
        "SELECT MIN(run_at) FROM jobs WHERE kind = $1 AND state = 'pending'"
    )
    .bind(kind)
    .fetch_one(c)
    .await
    .map_err(StoreError::from))
}

/// Claims the next runnable job of `kind`: pending and due, or running with a lapsed lease. A
/// debounced job loses its key once claimed: what is asked while it runs (or after it failed and
/// waits to be retried) makes a new one.
pub async fn claim(store: &Store, kind: &str, lease_ms: i64) -> Result<Option<Job>> {
    let now = now_ms();
    let mut tx: Tx = store.begin().await?;
    // SQLite has one writer inside BEGIN IMMEDIATE, so it needs no row locks; PostgreSQL
    // workers skip rows another worker holds.
    let lock = if tx.ex().is_sqlite() {
        ""
    } else {
        " FOR UPDATE SKIP LOCKED"
    };
    let sql = format!(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = $1, updated_at = $2,
             once_key = NULL
         WHERE id = (SELECT id FROM jobs WHERE kind = $3 AND
             ((state = 'pending' AND run_at <= $2) OR (state = 'running' AND locked_until < $2))
             ORDER BY run_at, id LIMIT 1{lock})
         RETURNING id, kind, payload, attempts, max_attempts, video_id"
    );
    let job = dual!(tx.ex(), |c| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(now + lease_ms)
    .bind(now)
    .bind(kind)
    .fetch_optional(&mut *c)
    .await)?;
    tx.commit_unseen().await?;
    Ok(job)
}

/// Extends the lease of a running job.
pub async fn heartbeat(ex: Ex<'_>, id: i64, lease_ms: i64) -> Result<()> {
    let now = now_ms();
    dual!(ex, |c| sqlx::query(
        "UPDATE jobs SET locked_until = $2, updated_at = $3 WHERE id = $1 AND state = 'running'"
    )
    .bind(id)
    .bind(now + lease_ms)
    .bind(now)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// A finished job is removed: the table holds only work still to do.
pub async fn complete(ex: Ex<'_>, id: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query("DELETE FROM jobs WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|_| ())
        .map_err(StoreError::from))
}

/// Records a failure: retried after `retry_in_ms`, or marked failed for good when attempts are
/// exhausted (`retry_in_ms` = None forces that).
pub async fn fail(ex: Ex<'_>, job: &Job, error: &str, retry_in_ms: Option<i64>) -> Result<bool> {
    let now = now_ms();
    let retry = retry_in_ms.filter(|_| job.attempts < job.max_attempts);
    dual!(ex, |c| {
        sqlx::query(
        "UPDATE jobs SET state = $2, run_at = $3, locked_until = NULL, last_error = $4, updated_at = $5 WHERE id = $1"
    )
    .bind(job.id)
    .bind(if retry.is_some() { "pending" } else { "failed" })
    .bind(now + retry.unwrap_or(0))
    .bind(error)
    .bind(now)
    .execute(c)
    .await
    .map(|_| retry.is_some())
    .map_err(StoreError::from)
    })
}

/// Jobs not yet done, by state, for the admin and for tests that wait for the queue to drain.
pub async fn counts(ex: Ex<'_>) -> Result<Vec<(String, String, i64)>> {
    dual!(ex, |c| sqlx::query_as(
        "SELECT kind, state, COUNT(*) FROM jobs GROUP BY kind, state ORDER BY kind, state"
    )
    .fetch_all(c)
    .await
    .map_err(StoreError::from))
}

/// Releases every running job at once. Only for a process that knows it is the sole worker (the
/// embedded SQLite instance holds the data-directory lock), so it need not wait for leases.
pub async fn release_running(ex: Ex<'_>) -> Result<u64> {
    dual!(ex, |c| sqlx::query(
        "UPDATE jobs SET state = 'pending', locked_until = NULL WHERE state = 'running'"
    )
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(StoreError::from))
}
