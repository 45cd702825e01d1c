//! The audit log of moderators' and administrators' actions (PeerTube's audit log, which misses
//! role changes and bans: this one records them). Written in the transaction of the action;
//! read by administrators.

use ruche_store::Ex;
use ruche_store::audit::{self as store, Entry, NewEntry};
use ruche_store::users::User;
use serde_json::Value;

use crate::{Tube, TubeError, TubeResult};

/// Records that `by` did `action` to `target` (of `domain`), with what changed.
pub(crate) async fn record(
    ex: Ex<'_>,
    by: &User,
    domain: &str,
    action: &str,
    target: &str,
    details: Value,
) -> TubeResult<()> {
    let details = (!details.is_null()).then(|| details.to_string());
    store::record(
        ex,
        &NewEntry {
            user_id: by.id,
            username: &by.username,
            domain,
            action,
            target,
            details: details.as_deref(),
        },
    )
    .await?;
    Ok(())
}

/// The most entries an answer holds.
pub const MAX_ENTRIES: i64 = 1000;

fn admin(user: &User) -> TubeResult<()> {
    if user.role == ruche_domain::user::Role::Admin {
        Ok(())
    } else {
        Err(TubeError::Forbidden(
            "Only administrators read the audit log.".into(),
        ))
    }
}

/// The entries from `since` to `until` (ms), oldest first (administrators).
pub async fn between(tube: &Tube, user: &User, since: i64, until: i64) -> TubeResult<Vec<Entry>> {
    admin(user)?;
    let mut c = tube.store.read().await?;
    Ok(store::between(c.ex(), since, until, MAX_ENTRIES).await?)
}

/// The newest entries, newest first (administrators).
pub async fn latest(tube: &Tube, user: &User, limit: i64) -> TubeResult<Vec<Entry>> {
    admin(user)?;
    let mut c = tube.store.read().await?;
    Ok(store::latest(c.ex(), limit.clamp(1, MAX_ENTRIES)).await?)
}
