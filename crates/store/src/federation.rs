//! Federation state: other instances' actors (where to deliver, which key checks them), their
//! accounts, channels and videos in our tables, follows between actors, the activities we
//! send and their deliveries, other instances' health, and the ids of activities taken in.

use crate::{Ex, Result, Store, StoreError, Tx, dual, now_ms};
use ruche_domain::follow::FollowState;

/// Another instance's actor, as its document last said.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct RemoteActor {
    pub id: i64,
    pub url: String,
    pub kind: String,
    pub host: String,
    pub username: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub followers_url: Option<String>,
    pub key_id: Option<String>,
    pub public_key_pem: Option<String>,
    pub account_id: Option<i64>,
    pub channel_id: Option<i64>,
    pub fetched_at: i64,
}

const ACTOR_COLS: &str =
    "id, url, kind, host, username, inbox, shared_inbox, followers_url, key_id,
    public_key_pem, account_id, channel_id, fetched_at";

/// Stores (or refreshes, by its url) a remote actor; returns it as stored.
pub async fn upsert_actor(mut ex: Ex<'_>, a: &RemoteActor) -> Result<RemoteActor> {
    let now = now_ms();
    dual!(&mut ex, |c| {
        sqlx::query(
            "INSERT INTO remote_actors (url, kind, host, username, inbox, shared_inbox, followers_url,
                key_id, public_key_pem, account_id, channel_id, fetched_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
             ON CONFLICT (url) DO UPDATE SET kind = $2, host = $3, username = $4, inbox = $5,
                shared_inbox = $6, followers_url = $7, key_id = $8, public_key_pem = $9,
                account_id = COALESCE($10, remote_actors.account_id),
                channel_id = COALESCE($11, remote_actors.channel_id), fetched_at = $12",
        )
        .bind(&a.url)
        .bind(&a.kind)
        .bind(&a.host)
        .bind(&a.username)
        .bind(&a.inbox)
        .bind(&a.shared_inbox)
        .bind(&a.followers_url)
        .bind(&a.key_id)
        .bind(&a.public_key_pem)
        .bind(a.account_id)
        .bind(a.channel_id)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|_| ())
        .map_err(StoreError::from)
    })?;
    actor_by_url(ex, &a.url).await?.ok_or(StoreError::NotFound)
}

pub async fn actor_by_url(ex: Ex<'_>, url: &str) -> Result<Option<RemoteActor>> {
    let sql = format!("SELECT {ACTOR_COLS} FROM remote_actors WHERE url = $1");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(url)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

/// The remote actor standing as this account or channel.
pub async fn actor_of(
    ex: Ex<'_>,
    account_id: Option<i64>,
    channel_id: Option<i64>,
) -> Result<Option<RemoteActor>> {
    let sql = format!(
        "SELECT {ACTOR_COLS} FROM remote_actors WHERE account_id = $1 OR channel_id = $2 LIMIT 1"
    );
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(account_id.unwrap_or(-1))
        .bind(channel_id.unwrap_or(-1))
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

/// Deletes a remote actor and what stands for it here (its channel, or its account with
/// [`crate::users::retire_account`]), as when it deletes itself.
pub async fn delete_actor(mut ex: Ex<'_>, url: &str) -> Result<bool> {
    let Some(a) = actor_by_url(ex.reborrow(), url).await? else {
        return Ok(false);
    };
    dual!(&mut ex, |c| {
        sqlx::query("DELETE FROM follows WHERE follower = $1 OR following = $1")
            .bind(url)
            .execute(&mut **c)
            .await?;
        sqlx::query("DELETE FROM remote_actors WHERE id = $1")
            .bind(a.id)
            .execute(&mut **c)
            .await?;
        if let Some(ch) = a.channel_id {
            sqlx::query("DELETE FROM channels WHERE id = $1")
                .bind(ch)
                .execute(&mut **c)
                .await?;
        }
        Ok::<_, sqlx::Error>(())
    })?;
    if let Some(acc) = a.account_id {
        // Its comments stay as tombstones under which others' replies keep their place.
        crate::users::retire_account(ex, acc, &[]).await?;
    }
    Ok(true)
}

/// What a remote account or channel is shown with.
pub struct RemoteProfile<'a> {
    pub url: &'a str,
    pub name: &'a str,
    pub host: &'a str,
    pub display_name: &'a str,
    pub description: Option<&'a str>,
    pub support: Option<&'a str>,
}

/// Stores (or refreshes, by its url) another instance's account; returns its id.
pub async fn upsert_account(ex: Ex<'_>, p: &RemoteProfile<'_>) -> Result<i64> {
    let now = now_ms();
    dual!(ex, |c| {
        sqlx::query_scalar(
        "INSERT INTO accounts (user_id, name, host, display_name, description, url, created_at, updated_at)
         VALUES (NULL, $1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (url) DO UPDATE SET name = $1, host = $2, display_name = $3, description = $4,
            updated_at = $6
         RETURNING id"
    )
    .bind(p.name)
    .bind(p.host)
    .bind(p.display_name)
    .bind(p.description)
    .bind(p.url)
    .bind(now)
    .fetch_one(c)
    .await
    .map_err(StoreError::from)
    })
}

/// Stores (or refreshes, by its url) another instance's channel, owned by `account_id`.
pub async fn upsert_channel(ex: Ex<'_>, account_id: i64, p: &RemoteProfile<'_>) -> Result<i64> {
    let now = now_ms();
    dual!(ex, |c| {
        sqlx::query_scalar(
        "INSERT INTO channels (account_id, name, host, display_name, description, support, url, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
         ON CONFLICT (url) DO UPDATE SET account_id = $1, name = $2, host = $3, display_name = $4,
            description = $5, support = $6, updated_at = $8
         RETURNING id"
    )
    .bind(account_id)
    .bind(p.name)
    .bind(p.host)
    .bind(p.display_name)
    .bind(p.description)
    .bind(p.support)
    .bind(p.url)
    .bind(now)
    .fetch_one(c)
    .await
    .map_err(StoreError::from)
    })
}

/// A remote account by `name` and `host` (a `name@host` handle).
pub async fn account_by_handle(
    ex: Ex<'_>,
    name: &str,
    host: &str,
) -> Result<Option<crate::users::Account>> {
    let sql = format!(
        "SELECT {} FROM accounts WHERE name = $1 AND host = $2 AND deleted_at IS NULL
         ORDER BY id LIMIT 1",
        crate::users::ACCOUNT_COLS
    );
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(name)
        .bind(host)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

/// A remote channel by `name` and `host`.
pub async fn channel_by_handle(
    ex: Ex<'_>,
    name: &str,
    host: &str,
) -> Result<Option<crate::users::Channel>> {
    let sql = format!(
        "SELECT {} FROM channels WHERE name = $1 AND host = $2 ORDER BY id LIMIT 1",
        crate::users::CHANNEL_COLS
    );
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(name)
        .bind(host)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

// ---------------------------------------------------------------------------------------------
// Follows

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Follow {
    pub id: i64,
    pub follower: String,
    pub following: String,
    #[sqlx(try_from = "String")]
    pub state: FollowState,
    pub activity: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const FOLLOW_COLS: &str = "id, follower, following, state, activity, created_at, updated_at";

/// Records a follow (or its new state and activity, when it exists already).
pub async fn upsert_follow(
    ex: Ex<'_>,
    follower: &str,
    following: &str,
    state: FollowState,
    activity: &str,
) -> Result<()> {
    let now = now_ms();
    dual!(ex, |c| {
        sqlx::query(
        "INSERT INTO follows (follower, following, state, activity, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (follower, following) DO UPDATE SET state = $3, activity = $4, updated_at = $5"
    )
    .bind(follower)
    .bind(following)
    .bind(state.as_str())
    .bind(activity)
    .bind(now)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from)
    })
}

pub async fn follow(ex: Ex<'_>, follower: &str, following: &str) -> Result<Option<Follow>> {
    let sql = format!("SELECT {FOLLOW_COLS} FROM follows WHERE follower = $1 AND following = $2");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(follower)
        .bind(following)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

pub async fn follow_by_id(ex: Ex<'_>, id: i64) -> Result<Option<Follow>> {
    let sql = format!("SELECT {FOLLOW_COLS} FROM follows WHERE id = $1");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

/// The follow a Follow activity made.
pub async fn follow_by_activity(ex: Ex<'_>, activity: &str) -> Result<Option<Follow>> {
    let sql = format!("SELECT {FOLLOW_COLS} FROM follows WHERE activity = $1");
    dual!(ex, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(activity)
        .fetch_optional(c)
        .await
        .map_err(StoreError::from))
}

pub async fn set_follow_state(ex: Ex<'_>, id: i64, state: FollowState) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE follows SET state = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(state.as_str())
    .bind(now_ms())
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

pub async fn delete_follow(ex: Ex<'_>, follower: &str, following: &str) -> Result<bool> {
    dual!(ex, |c| sqlx::query(
        "DELETE FROM follows WHERE follower = $1 AND following = $2"
    )
    .bind(follower)
    .bind(following)
    .execute(c)
    .await
    .map(|r| r.rows_affected() > 0)
    .map_err(StoreError::from))
}

/// Which side of follows a list reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Who follows the actor.
    Followers,
    /// Whom the actor follows.
    Following,
}

/// A page of an actor's followers or followings (any state unless `state` is given), newest
/// first, and their total.
pub async fn follows_of(
    ex: Ex<'_>,
    actor: &str,
    side: Side,
    state: Option<FollowState>,
    start: i64,
    count: i64,
) -> Result<(Vec<Follow>, i64)> {
    follows_of_any(ex, &[actor.to_string()], side, state, false, start, count).await
}

/// As [`follows_of`], for the follows of any of `actors` (an account with its channels), oldest
/// first if asked.
pub async fn follows_of_any(
    ex: Ex<'_>,
    actors: &[String],
    side: Side,
    state: Option<FollowState>,
    oldest_first: bool,
    start: i64,
    count: i64,
) -> Result<(Vec<Follow>, i64)> {
    if actors.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let column = match side {
        Side::Followers => "following",
        Side::Following => "follower",
    };
    let marks = crate::placeholders(2, actors.len());
    let matches = format!(
        "FROM follows WHERE {column} IN ({}) AND ($1 = '' OR state = $1)",
        marks
    );
    let order = if oldest_first { "ASC" } else { "DESC" };
    let sql = format!("SELECT {FOLLOW_COLS} {matches} ORDER BY id {order}");
    let mut binds = vec![crate::Bind::Text(
        state.map_or("", FollowState::as_str).into(),
    )];
    binds.extend(actors.iter().map(|a| crate::Bind::Text(a.clone())));
    crate::paged(
        ex,
        &sql,
        &format!("SELECT COUNT(*) {matches}"),
        &binds,
        count,
        start,
    )
    .await
}

/// The accepted followers and followings of each of `actors`: `(followers, following)` by
/// actor, in two grouped reads whatever their number (an actor with none is absent).
pub async fn accepted_counts(
    mut ex: Ex<'_>,
    actors: &[String],
) -> Result<std::collections::HashMap<String, (i64, i64)>> {
    let mut out = std::collections::HashMap::new();
    if actors.is_empty() {
        return Ok(out);
    }
    let marks = crate::placeholders(2, actors.len());
    let accepted = FollowState::Accepted.as_str();
    for (i, column) in ["following", "follower"].into_iter().enumerate() {
        let sql = format!(
            "SELECT {column}, COUNT(*) FROM follows WHERE state = $1 AND {column} IN ({})
             GROUP BY {column}",
            marks
        );
        let rows: Vec<(String, i64)> = dual!(ex.reborrow(), |c| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(accepted);
            for a in actors {
                q = q.bind(a.as_str());
            }
            q.fetch_all(c).await.map_err(StoreError::from)
        })?;
        for (actor, n) in rows {
            let e: &mut (i64, i64) = out.entry(actor).or_default();
            if i == 0 {
                e.0 = n;
            } else {
                e.1 = n;
            }
        }
    }
    Ok(out)
}

/// The inboxes that reach every accepted remote follower of any of `actors`: each follower's
/// shared inbox when it has one, else its own; each inbox once.
pub async fn follower_inboxes(ex: Ex<'_>, actors: &[String]) -> Result<Vec<String>> {
    if actors.is_empty() {
        return Ok(Vec::new());
    }
    let marks = crate::placeholders(1, actors.len());
    let sql = format!(
        "SELECT DISTINCT COALESCE(r.shared_inbox, r.inbox) FROM follows f
         JOIN remote_actors r ON r.url = f.follower
         WHERE f.state = '{}' AND f.following IN ({})",
        FollowState::Accepted,
        marks
    );
    dual!(ex, |c| {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
        for a in actors {
            q = q.bind(a);
        }
        q.fetch_all(c).await.map_err(StoreError::from)
    })
}

// ---------------------------------------------------------------------------------------------
// Outgoing activities and their deliveries

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Delivery {
    pub id: i64,
    pub activity_id: i64,
    pub inbox: String,
    pub host: String,
    pub attempts: i64,
    pub body: String,
    pub signer_kind: String,
    pub signer_id: i64,
}

/// Stores an activity and one delivery per distinct inbox, all runnable now; inboxes on hosts
/// unreachable since before `given_up_before` are left out. Returns how many deliveries were
/// made.
pub async fn enqueue_activity(
    mut ex: Ex<'_>,
    body: &str,
    signer: (&str, i64),
    inboxes: &[String],
    given_up_before: i64,
) -> Result<usize> {
    if inboxes.is_empty() {
        return Ok(0);
    }
    let now = now_ms();
    let dead: Vec<String> = dual!(&mut ex, |c| {
        sqlx::query_scalar(
        "SELECT host FROM instances WHERE unreachable_since IS NOT NULL AND unreachable_since < $1"
    )
    .bind(given_up_before)
    .fetch_all(&mut **c)
    .await
    .map_err(StoreError::from)
    })?;
    let mut targets: Vec<(&String, String)> = Vec::new();
    for inbox in inboxes {
        let host = ruche_domain::urls::host(inbox);
        if !dead.contains(&host) && !targets.iter().any(|(i, _)| *i == inbox) {
            targets.push((inbox, host));
        }
    }
    if targets.is_empty() {
        return Ok(0);
    }
    let id: i64 = dual!(&mut ex, |c| sqlx::query_scalar(
        "INSERT INTO outgoing_activities (body, signer_kind, signer_id, created_at)
         VALUES ($1, $2, $3, $4) RETURNING id"
    )
    .bind(body)
    .bind(signer.0)
    .bind(signer.1)
    .bind(now)
    .fetch_one(&mut **c)
    .await
    .map_err(StoreError::from))?;
    // Many rows at once: one statement per chunk of inboxes, not one per inbox.
    for chunk in targets.chunks(200) {
        let mut sql = String::from(
            "INSERT INTO deliveries (activity_id, inbox, host, attempts, run_at, created_at) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("($1, ${}, ${}, 0, $2, $2)", 3 + 2 * i, 4 + 2 * i));
        }
        dual!(&mut ex, |c| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .bind(now);
            for (inbox, host) in chunk {
                q = q.bind(inbox.as_str()).bind(host.as_str());
            }
            q.execute(&mut **c)
                .await
                .map(|_| ())
                .map_err(StoreError::from)
        })?;
    }
    Ok(targets.len())
}

/// Hosts with deliveries due now, with how many, most overdue first.
pub async fn due_hosts(ex: Ex<'_>, limit: i64) -> Result<Vec<(String, i64)>> {
    let now = now_ms();
    dual!(ex, |c| sqlx::query_as(
        "SELECT host, COUNT(*) FROM deliveries
         WHERE run_at <= $1 AND (locked_until IS NULL OR locked_until < $1)
         GROUP BY host ORDER BY MIN(run_at) LIMIT $2"
    )
    .bind(now)
    .bind(limit)
    .fetch_all(c)
    .await
    .map_err(StoreError::from))
}

/// Claims up to `n` due deliveries to `host` for `lease_ms`, oldest first, with their activity.
pub async fn claim_deliveries(
    store: &Store,
    host: &str,
    n: i64,
    lease_ms: i64,
) -> Result<Vec<Delivery>> {
    let now = now_ms();
    let mut tx: Tx = store.begin().await?;
    let lock = if tx.ex().is_sqlite() {
        ""
    } else {
        " FOR UPDATE SKIP LOCKED"
    };
    // The outer condition repeats the inner one so that, on PostgreSQL, a row another worker
    // claimed meanwhile is skipped when its new version is checked again.
    let sql = format!(
        "UPDATE deliveries SET locked_until = $1, attempts = attempts + 1
         WHERE id IN (SELECT id FROM deliveries WHERE host = $2 AND run_at <= $3
             AND (locked_until IS NULL OR locked_until < $3) ORDER BY run_at, id LIMIT $4{lock})
           AND (locked_until IS NULL OR locked_until < $3)
         RETURNING id"
    );
    let ids: Vec<i64> = dual!(tx.ex(), |c| sqlx::query_scalar(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(now + lease_ms)
    .bind(host)
    .bind(now)
    .bind(n)
    .fetch_all(&mut *c)
    .await
    .map_err(StoreError::from))?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let d: Option<Delivery> = dual!(tx.ex(), |c| {
            sqlx::query_as(
            "SELECT d.id, d.activity_id, d.inbox, d.host, d.attempts, a.body, a.signer_kind, a.signer_id
             FROM deliveries d JOIN outgoing_activities a ON a.id = d.activity_id WHERE d.id = $1"
        )
        .bind(id)
        .fetch_optional(&mut *c)
        .await
        .map_err(StoreError::from)
        })?;
        out.extend(d);
    }
    tx.commit().await?;
    Ok(out)
}

/// A delivery that arrived is removed, and its activity once nothing else is left to send.
pub async fn delivered(mut ex: Ex<'_>, d: &Delivery) -> Result<()> {
    dual!(&mut ex, |c| {
        sqlx::query("DELETE FROM deliveries WHERE id = $1")
            .bind(d.id)
            .execute(&mut **c)
            .await?;
        sqlx::query(
            "DELETE FROM outgoing_activities WHERE id = $1
             AND NOT EXISTS (SELECT 1 FROM deliveries WHERE activity_id = $1)",
        )
        .bind(d.activity_id)
        .execute(&mut **c)
        .await?;
        Ok::<_, sqlx::Error>(())
    })
    .map_err(StoreError::from)
}

/// A failed attempt: the delivery waits until `retry_at`.
pub async fn delivery_failed(ex: Ex<'_>, id: i64, error: &str, retry_at: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE deliveries SET run_at = $2, locked_until = NULL, last_error = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(retry_at)
    .bind(error)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// A delivery that will never arrive (the inbox refused it for good) is dropped.
pub async fn delivery_dropped(ex: Ex<'_>, d: &Delivery) -> Result<()> {
    delivered(ex, d).await
}

/// Other instances' health.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Instance {
    pub host: String,
    pub unreachable_since: Option<i64>,
    pub failures: i64,
    pub last_success_at: Option<i64>,
}

pub async fn instance(ex: Ex<'_>, host: &str) -> Result<Option<Instance>> {
    dual!(ex, |c| sqlx::query_as(
        "SELECT host, unreachable_since, failures, last_success_at FROM instances WHERE host = $1"
    )
    .bind(host)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from))
}

/// Records a failure to reach `host`; returns its failures in a row. Failures within the same
/// second (several deliveries in flight to one dead host) count once.
pub async fn host_failed(mut ex: Ex<'_>, host: &str) -> Result<i64> {
    let now = now_ms();
    dual!(&mut ex, |c| {
        sqlx::query(
        "INSERT INTO instances (host, unreachable_since, failures, updated_at) VALUES ($1, $2, 1, $2)
         ON CONFLICT (host) DO UPDATE SET
            failures = CASE WHEN instances.failures > 0 AND instances.updated_at > $2 - 1000
                THEN instances.failures ELSE instances.failures + 1 END,
            unreachable_since = COALESCE(instances.unreachable_since, $2), updated_at = $2"
    )
    .bind(host)
    .bind(now)
    .execute(&mut **c)
    .await
    .map(|_| ())
    .map_err(StoreError::from)
    })?;
    Ok(instance(ex, host).await?.map_or(1, |i| i.failures))
}

/// Holds every waiting delivery to `host` until `until`, so a dead instance is tried once per
/// round instead of once per delivery.
pub async fn postpone_host(ex: Ex<'_>, host: &str, until: i64) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "UPDATE deliveries SET run_at = $2 WHERE host = $1 AND run_at < $2
         AND (locked_until IS NULL OR locked_until < $3)"
    )
    .bind(host)
    .bind(until)
    .bind(now_ms())
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// `host` answered (or spoke to us): it is reachable again. If it was not, the deliveries it
/// missed are due at once. Returns whether it had been unreachable.
pub async fn host_reachable(mut ex: Ex<'_>, host: &str) -> Result<bool> {
    let now = now_ms();
    let was = instance(ex.reborrow(), host)
        .await?
        .is_some_and(|i| i.unreachable_since.is_some() || i.failures > 0);
    if !was {
        // The common case: one cheap write at most, none when already recorded as healthy.
        dual!(&mut ex, |c| {
            sqlx::query(
            "INSERT INTO instances (host, failures, last_success_at, updated_at) VALUES ($1, 0, $2, $2)
             ON CONFLICT (host) DO NOTHING"
        )
        .bind(host)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|_| ())
        .map_err(StoreError::from)
        })?;
        return Ok(false);
    }
    dual!(&mut ex, |c| {
        sqlx::query(
            "UPDATE instances SET unreachable_since = NULL, failures = 0, last_success_at = $2,
                updated_at = $2 WHERE host = $1",
        )
        .bind(host)
        .bind(now)
        .execute(&mut **c)
        .await?;
        sqlx::query(
            "UPDATE deliveries SET run_at = $2 WHERE host = $1 AND run_at > $2
             AND (locked_until IS NULL OR locked_until < $2)",
        )
        .bind(host)
        .bind(now)
        .execute(&mut **c)
        .await?;
        Ok::<_, sqlx::Error>(())
    })
    .map_err(StoreError::from)?;
    Ok(true)
}

/// Drops every delivery to hosts unreachable since before `before`; returns how many.
pub async fn give_up_hosts(ex: Ex<'_>, before: i64) -> Result<u64> {
    dual!(ex, |c| {
        let n = sqlx::query(
            "DELETE FROM deliveries WHERE host IN (SELECT host FROM instances
                WHERE unreachable_since IS NOT NULL AND unreachable_since < $1)",
        )
        .bind(before)
        .execute(&mut *c)
        .await?
        .rows_affected();
        sqlx::query(DROP_UNDELIVERABLE).execute(&mut *c).await?;
        Ok::<_, sqlx::Error>(n)
    })
    .map_err(StoreError::from)
}

/// Deletes the activities no delivery waits for any more.
pub(crate) const DROP_UNDELIVERABLE: &str = "DELETE FROM outgoing_activities WHERE NOT EXISTS
    (SELECT 1 FROM deliveries d WHERE d.activity_id = outgoing_activities.id)";

/// Deliveries not yet made, per host (for the admin, and tests that wait for the queue).
pub async fn pending_deliveries(ex: Ex<'_>) -> Result<Vec<(String, i64)>> {
    dual!(ex, |c| sqlx::query_as(
        "SELECT host, COUNT(*) FROM deliveries GROUP BY host ORDER BY host"
    )
    .fetch_all(c)
    .await
    .map_err(StoreError::from))
}

/// When the next delivery is due, if any (the worker sleeps until then).
pub async fn next_delivery_at(ex: Ex<'_>) -> Result<Option<i64>> {
    dual!(ex, |c| {
        sqlx::query_scalar(
        "SELECT MIN(CASE WHEN locked_until IS NOT NULL AND locked_until > run_at THEN locked_until ELSE run_at END) FROM deliveries"
    )
    .fetch_one(c)
    .await
    .map_err(StoreError::from)
    })
}

// ---------------------------------------------------------------------------------------------
// Incoming activities

/// Records that the activity `url` with content `digest` was taken in; false if it had been
/// already.
pub async fn mark_received(ex: Ex<'_>, url: &str, digest: &str) -> Result<bool> {
    dual!(ex, |c| {
        sqlx::query(
            "INSERT INTO received_activities (url, digest, received_at) VALUES ($1, $2, $3)
         ON CONFLICT (url, digest) DO NOTHING",
        )
        .bind(url)
        .bind(digest)
        .bind(now_ms())
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1)
        .map_err(StoreError::from)
    })
}

/// Forgets that the activity `url` was taken in, whatever its content (it was undone: the same
/// activity may come again and mean something again).
pub async fn forget_received(ex: Ex<'_>, url: &str) -> Result<()> {
    dual!(ex, |c| sqlx::query(
        "DELETE FROM received_activities WHERE url = $1"
    )
    .bind(url)
    .execute(c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))
}

/// Forgets activity ids older than `before` (their senders stopped retrying long ago).
pub async fn prune_received(ex: Ex<'_>, before: i64) -> Result<u64> {
    dual!(ex, |c| sqlx::query(
        "DELETE FROM received_activities WHERE received_at < $1"
    )
    .bind(before)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(StoreError::from))
}

/// Releases every delivery held by a worker. Only for the sole process of a data directory
/// (the embedded instance at start), as [`crate::jobs::release_running`].
pub async fn release_deliveries(ex: Ex<'_>) -> Result<u64> {
    dual!(ex, |c| sqlx::query(
        "UPDATE deliveries SET locked_until = NULL WHERE locked_until IS NOT NULL"
    )
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    .map_err(StoreError::from))
}
