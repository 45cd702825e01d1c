//! Blocklists on the API, PeerTube's routes and shapes: a user's mutes under
//! `/api/v1/users/me/blocklist`, the instance's blocks under `/api/v1/server/blocklist`
//! (moderators), `GET /api/v1/blocklist/status`, and Ruche's import of a plain list of hosts.

use super::body::Body;
use super::videos::Paging;
use super::{account_json, comments::list_param};
use crate::AppState;
use crate::auth::{ApiUser, MaybeUser};
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use ruche_domain::time::iso;
use ruche_tube::accounts::{Account, User};
use ruche_tube::blocklist;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Who blocked: one of our accounts, or the instance (PeerTube's `peertube` application account).
fn by_json(st: &AppState, by: Option<i64>, accounts: &HashMap<i64, Account>) -> Value {
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    match by.and_then(|id| accounts.get(&id)) {
        Some(a) => account_json(base, &host, a),
        None => json!({
            "url": ruche_domain::urls::instance_actor(base),
            "name": "peertube",
            "displayName": "peertube",
            "host": host,
            "avatars": [],
            "followersCount": 0,
            "followingCount": 0,
        }),
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    search: Option<String>,
    #[serde(flatten)]
    paging: Paging,
}

impl ListQuery {
    fn parts(&self) -> ApiResult<(Option<String>, bool, i64, i64)> {
        let oldest_first = !self.paging.newest_first()?;
        let page = self.paging.filter()?;
        let search = self
            .search
            .as_deref()
            .map(|s| s.chars().take(100).collect());
        Ok((search, oldest_first, page.start, page.count))
    }
}

async fn account_list(
    st: &AppState,
    u: &User,
    instance: bool,
    q: &ListQuery,
) -> ApiResult<Json<Value>> {
    let (search, oldest, start, count) = q.parts()?;
    let (rows, accounts, total) = blocklist::account_blocks(
        &st.tube,
        u,
        instance,
        search.as_deref(),
        oldest,
        start,
        count,
    )
    .await?;
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let data: Vec<Value> = rows
        .iter()
        .filter_map(|b| {
            let blocked = accounts.get(&b.blocked_account_id)?;
            Some(json!({
                "byAccount": by_json(st, b.account_id, &accounts),
                "blockedAccount": account_json(base, &host, blocked),
                "createdAt": iso(b.created_at),
            }))
        })
        .collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

async fn server_list(
    st: &AppState,
    u: &User,
    instance: bool,
    q: &ListQuery,
) -> ApiResult<Json<Value>> {
    let (search, oldest, start, count) = q.parts()?;
    let (rows, accounts, total) = blocklist::server_blocks(
        &st.tube,
        u,
        instance,
        search.as_deref(),
        oldest,
        start,
        count,
    )
    .await?;
    let data: Vec<Value> = rows
        .iter()
        .map(|b| {
            json!({
                "byAccount": by_json(st, b.account_id, &accounts),
                "blockedServer": { "host": b.host },
                "createdAt": iso(b.created_at),
            })
        })
        .collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountBody {
    account_name: Option<String>,
}

#[derive(Deserialize)]
pub struct HostBody {
    host: Option<String>,
}

fn required(v: Option<String>, name: &str) -> ApiResult<String> {
    v.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
        ruche_tube::TubeError::BadRequest(format!("Incorrect request parameters: {name}")).into()
    })
}

/// The four routes of one side: `instance` for `/server/blocklist`, else `/users/me/blocklist`.
macro_rules! side {
    ($accounts:ident, $block_account:ident, $unblock_account:ident, $servers:ident, $block_server:ident, $unblock_server:ident, $instance:expr) => {
        pub async fn $accounts(
            State(st): State<AppState>,
            ApiUser(u): ApiUser,
            Query(q): Query<ListQuery>,
        ) -> ApiResult<Json<Value>> {
            account_list(&st, &u, $instance, &q).await
        }

        pub async fn $block_account(
            State(st): State<AppState>,
            ApiUser(u): ApiUser,
            Body(b): Body<AccountBody>,
        ) -> ApiResult<StatusCode> {
            let name = required(b.account_name, "accountName")?;
            blocklist::block_account(&st.tube, &u, $instance, name.trim()).await?;
            Ok(StatusCode::NO_CONTENT)
        }

        pub async fn $unblock_account(
            State(st): State<AppState>,
            ApiUser(u): ApiUser,
            Path(name): Path<String>,
        ) -> ApiResult<StatusCode> {
            blocklist::unblock_account(&st.tube, &u, $instance, &name).await?;
            Ok(StatusCode::NO_CONTENT)
        }

        pub async fn $servers(
            State(st): State<AppState>,
            ApiUser(u): ApiUser,
            Query(q): Query<ListQuery>,
        ) -> ApiResult<Json<Value>> {
            server_list(&st, &u, $instance, &q).await
        }

        pub async fn $block_server(
            State(st): State<AppState>,
            ApiUser(u): ApiUser,
            Body(b): Body<HostBody>,
        ) -> ApiResult<StatusCode> {
            let host = required(b.host, "host")?;
            blocklist::block_server(&st.tube, &u, $instance, &host).await?;
            Ok(StatusCode::NO_CONTENT)
        }

        pub async fn $unblock_server(
            State(st): State<AppState>,
            ApiUser(u): ApiUser,
            Path(host): Path<String>,
        ) -> ApiResult<StatusCode> {
            blocklist::unblock_server(&st.tube, &u, $instance, &host).await?;
            Ok(StatusCode::NO_CONTENT)
        }
    };
}

side!(
    my_accounts,
    my_block_account,
    my_unblock_account,
    my_servers,
    my_block_server,
    my_unblock_server,
    false
);
side!(
    server_accounts,
    server_block_account,
    server_unblock_account,
    server_servers,
    server_block_server,
    server_unblock_server,
    true
);

#[derive(Deserialize)]
pub struct ImportBody {
    hosts: Option<String>,
}

/// `POST /api/v1/server/blocklist/servers/import` (Ruche's): `hosts`, one per line; all or
/// nothing. `{added}`: how many were not blocked yet.
pub async fn import(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Body(b): Body<ImportBody>,
) -> ApiResult<Json<Value>> {
    let text = required(b.hosts, "hosts")?;
    let added = blocklist::import_servers(&st.tube, &u, &text).await?;
    Ok(Json(json!({ "added": added })))
}

/// `GET /api/v1/blocklist/status?accounts=name@host&hosts=host`.
pub async fn status(
    State(st): State<AppState>,
    user: MaybeUser,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let accounts = list_param(raw.as_deref(), "accounts")?;
    let hosts = list_param(raw.as_deref(), "hosts")?;
    let (a, h) = blocklist::status(&st.tube, user.user.as_ref(), &accounts, &hosts).await?;
    let map = |list: Vec<(String, bool, bool)>| -> serde_json::Map<String, Value> {
        list.into_iter()
            .map(|(k, server, me)| (k, json!({ "blockedByServer": server, "blockedByUser": me })))
            .collect()
    };
    Ok(Json(json!({ "accounts": map(a), "hosts": map(h) })))
}
