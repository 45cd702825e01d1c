//! Blocklists: a user mutes accounts and instances for themself; moderators block them for the
//! whole instance (PeerTube's `/users/me/blocklist` and `/server/blocklist`). What is blocked
//! disappears from lists, search and threads (`ruche_store::blocklist::not_blocked`): for
//! everyone when the instance blocks it, for the user who muted it and under that user's own
//! videos otherwise. Stricter than PeerTube, as the posts ask of an instance that chooses whom
//! it hosts: a blocked instance's (or account's) activities are refused at the inbox before
//! their signature is even checked, and our follows with a blocked instance are removed both
//! ways. A plain list of hosts is imported whole or not at all.

use crate::{Tube, TubeError, TubeResult};
use ruche_domain::host::parse_host;
use ruche_store::blocklist as store;
pub use ruche_store::blocklist::{AccountBlock, ServerBlock};
use ruche_store::notifications::Silenced;
use ruche_store::users::{Account, User};
use serde_json::Value;
use std::collections::HashMap;

/// The most lines an imported blocklist may have.
pub const MAX_IMPORT: usize = 10_000;

/// Who blocks: `user` for themself, or (`instance`) a moderator for the instance. `None` is
/// the instance.
pub async fn blocker(tube: &Tube, user: &User, instance: bool) -> TubeResult<Option<i64>> {
    if instance {
        if !user.role.can_moderate() {
            return Err(TubeError::Forbidden(
                "Only moderators manage the instance's blocklist.".into(),
            ));
        }
        return Ok(None);
    }
    Ok(Some(crate::accounts::account_of(tube, user.id).await?.id))
}

/// Blocks the account `handle` (`name` for ours, `name@host` for another instance's known here).
pub async fn block_account(
    tube: &Tube,
    user: &User,
    instance: bool,
    handle: &str,
) -> TubeResult<()> {
    let by = blocker(tube, user, instance).await?;
    let target = crate::accounts::account_by_handle(tube, handle)
        .await
        .map_err(|_| TubeError::NotFound("account"))?;
    let me = crate::accounts::account_of(tube, user.id).await?;
    if target.id == me.id {
        return Err(TubeError::Conflict("You cannot block yourself.".into()));
    }
    let mut tx = tube.store.begin().await?;
    store::block_account(tx.ex(), by, target.id).await?;
    if by.is_none() {
        let named = format!("account {} {}", target.id, target.name);
        crate::audit::record(tx.ex(), user, "blocklist", "block", &named, Value::Null).await?;
    }
    // What they caused is forgotten, for the muter or for everyone (PeerTube's rule).
    let whose = by.is_some().then_some(user.id);
    ruche_store::notifications::forget_caused_by(tx.ex(), whose, Silenced::Account(target.id))
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn unblock_account(
    tube: &Tube,
    user: &User,
    instance: bool,
    handle: &str,
) -> TubeResult<()> {
    let by = blocker(tube, user, instance).await?;
    let target = crate::accounts::account_by_handle(tube, handle)
        .await
        .map_err(|_| TubeError::NotFound("account"))?;
    let mut tx = tube.store.begin().await?;
    if !store::unblock_account(tx.ex(), by, target.id).await? {
        return Err(TubeError::NotFound("account block entry"));
    }
    tx.commit().await?;
    Ok(())
}

/// A host as a client wrote it, checked and spelt as Ruche spells hosts; ours is refused.
fn checked(tube: &Tube, text: &str) -> TubeResult<String> {
    let host = parse_host(text).ok_or_else(|| {
        TubeError::BadRequest(format!(
            "{:?} is not a host name",
            text.chars().take(100).collect::<String>()
        ))
    })?;
    if host == tube.settings.host() {
        return Err(TubeError::Conflict(
            "You cannot block your own server.".into(),
        ));
    }
    Ok(host)
}

/// Blocks the instance `host`. For the whole instance, our follows with it go too, both ways.
pub async fn block_server(tube: &Tube, user: &User, instance: bool, host: &str) -> TubeResult<()> {
    let by = blocker(tube, user, instance).await?;
    let host = checked(tube, host)?;
    let mut tx = tube.store.begin().await?;
    store::block_server(tx.ex(), by, &host).await?;
    if by.is_none() {
        let target = format!("server {host}");
        crate::audit::record(tx.ex(), user, "blocklist", "block", &target, Value::Null).await?;
    }
    let whose = by.is_some().then_some(user.id);
    ruche_store::notifications::forget_caused_by(tx.ex(), whose, Silenced::Host(&host)).await?;
    if by.is_none() {
        let gone = store::drop_follows_with(tx.ex(), &host).await?;
        let dropped = store::drop_deliveries_to(tx.ex(), &host).await?;
        tracing::info!(%host, follows = gone, deliveries = dropped, "instance blocked");
    }
    tx.commit().await?;
    Ok(())
}

pub async fn unblock_server(
    tube: &Tube,
    user: &User,
    instance: bool,
    host: &str,
) -> TubeResult<()> {
    let by = blocker(tube, user, instance).await?;
    let host = parse_host(host).ok_or_else(|| TubeError::BadRequest("not a host name".into()))?;
    let mut tx = tube.store.begin().await?;
    if !store::unblock_server(tx.ex(), by, &host).await? {
        return Err(TubeError::NotFound("server block entry"));
    }
    tx.commit().await?;
    Ok(())
}

/// Imports a blocklist for the instance: one host per line (empty lines and `#` comments
/// skipped). Every line is checked first; any fault is a 400 naming each faulty line, and
/// nothing is blocked. Otherwise all are blocked in one transaction; how many were new.
pub async fn import_servers(tube: &Tube, user: &User, text: &str) -> TubeResult<usize> {
    blocker(tube, user, true).await?;
    let mut hosts: Vec<String> = Vec::new();
    let mut faults: Vec<String> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        if hosts.len() >= MAX_IMPORT {
            faults.push(format!("more than {MAX_IMPORT} hosts"));
            break;
        }
        match checked(tube, line) {
            Ok(h) if !hosts.contains(&h) => hosts.push(h),
            Ok(_) => {}
            Err(TubeError::Conflict(_)) => {
                faults.push(format!("line {}: this instance itself", n + 1))
            }
            Err(_) => faults.push(format!(
                "line {}: {:?} is not a host name",
                n + 1,
                line.chars().take(100).collect::<String>()
            )),
        }
        if faults.len() >= 100 {
            break;
        }
    }
    if !faults.is_empty() {
        return Err(TubeError::BadRequest(format!(
            "Nothing was blocked: {}",
            faults.join("; ")
        )));
    }
    let mut added = 0;
    let mut tx = tube.store.begin().await?;
    for h in &hosts {
        if store::block_server(tx.ex(), None, h).await? {
            added += 1;
        }
        store::drop_follows_with(tx.ex(), h).await?;
        store::drop_deliveries_to(tx.ex(), h).await?;
        ruche_store::notifications::forget_caused_by(tx.ex(), None, Silenced::Host(h)).await?;
    }
    tx.commit().await?;
    tracing::info!(hosts = hosts.len(), added, "blocklist imported");
    Ok(added)
}

/// A page of blocks of the instance's or of `user`'s blocklist, read by `page` (the blocker,
/// the store's reader), with the accounts each names (by `names`), by id; and how many there
/// are.
async fn page_of<B>(
    tube: &Tube,
    user: &User,
    instance: bool,
    page: impl AsyncFnOnce(ruche_store::Ex<'_>, Option<i64>) -> ruche_store::Result<(Vec<B>, i64)>,
    names: impl Fn(&B) -> Vec<i64>,
) -> TubeResult<(Vec<B>, HashMap<i64, Account>, i64)> {
    let by = blocker(tube, user, instance).await?;
    let mut c = tube.store.read().await?;
    let (rows, total) = page(c.ex(), by).await?;
    let mut ids: Vec<i64> = rows.iter().flat_map(&names).collect();
    ids.sort_unstable();
    ids.dedup();
    let accounts = ruche_store::users::accounts_by_ids(c.ex(), &ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    Ok((rows, accounts, total))
}

/// A page of account blocks with the accounts they name and who blocked, and how many there are.
pub async fn account_blocks(
    tube: &Tube,
    user: &User,
    instance: bool,
    search: Option<&str>,
    oldest_first: bool,
    start: i64,
    count: i64,
) -> TubeResult<(Vec<AccountBlock>, HashMap<i64, Account>, i64)> {
    page_of(
        tube,
        user,
        instance,
        async |ex, by| store::account_blocks(ex, by, search, oldest_first, start, count).await,
        |b: &AccountBlock| {
            [Some(b.blocked_account_id), b.account_id]
                .into_iter()
                .flatten()
                .collect()
        },
    )
    .await
}

/// A page of server blocks with the accounts that made them, and how many there are.
pub async fn server_blocks(
    tube: &Tube,
    user: &User,
    instance: bool,
    search: Option<&str>,
    oldest_first: bool,
    start: i64,
    count: i64,
) -> TubeResult<(Vec<ServerBlock>, HashMap<i64, Account>, i64)> {
    page_of(
        tube,
        user,
        instance,
        async |ex, by| store::server_blocks(ex, by, search, oldest_first, start, count).await,
        |b: &ServerBlock| b.account_id.into_iter().collect(),
    )
    .await
}

/// Whether each of `handles` and `hosts` is blocked by the instance, and by `user` (PeerTube's
/// `/api/v1/blocklist/status`): (handle or host as given, by the instance, by the user).
pub async fn status(
    tube: &Tube,
    user: Option<&User>,
    handles: &[String],
    hosts: &[String],
) -> TubeResult<(Vec<(String, bool, bool)>, Vec<(String, bool, bool)>)> {
    let me = match user {
        Some(u) => Some(crate::accounts::account_of(tube, u.id).await?.id),
        None => None,
    };
    let mut ids: Vec<(String, Option<i64>)> = Vec::with_capacity(handles.len());
    for h in handles {
        let id = crate::accounts::account_by_handle(tube, h)
            .await
            .ok()
            .map(|a| a.id);
        ids.push((h.clone(), id));
    }
    let known: Vec<i64> = ids.iter().filter_map(|(_, id)| *id).collect();
    let spelt: Vec<(String, Option<String>)> =
        hosts.iter().map(|h| (h.clone(), parse_host(h))).collect();
    let valid: Vec<String> = spelt.iter().filter_map(|(_, h)| h.clone()).collect();
    let mut c = tube.store.read().await?;
    let (by_instance_a, by_instance_h) = store::blocked_among(c.ex(), None, &known, &valid).await?;
    let (by_me_a, by_me_h) = match me {
        Some(m) => store::blocked_among(c.ex(), Some(m), &known, &valid).await?,
        None => (Vec::new(), Vec::new()),
    };
    let accounts = ids
        .into_iter()
        .map(|(h, id)| {
            let id = id.unwrap_or(-1);
            (h, by_instance_a.contains(&id), by_me_a.contains(&id))
        })
        .collect();
    let hosts = spelt
        .into_iter()
        .map(|(given, h)| {
            let h = h.unwrap_or_default();
            (given, by_instance_h.contains(&h), by_me_h.contains(&h))
        })
        .collect();
    Ok((accounts, hosts))
}
