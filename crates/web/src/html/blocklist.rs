//! Blocklists in the pages. The instance's, for moderators (`/admin/blocklist`): the instances
//! and accounts it blocks, forms to block one more or many instances at once (a plain list of
//! hosts, imported whole or not at all), and *Unblock*. A user's own (`/my-account/blocklist`):
//! the same page for the instances and accounts they mute, without the import. The same
//! services as PeerTube's `/api/v1/server/blocklist` and `/api/v1/users/me/blocklist`.

use crate::AppState;
use crate::api::body::Body;
use crate::html::{Chrome, Moment, Page, error_page, login_redirect, moment, on_form, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use ruche_tube::blocklist;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    let mut r = Router::new().route("/admin/blocklist/servers/import", post(import));
    for base in [INSTANCE, MINE] {
        r = r
            .route(base, get(page))
            .route(&format!("{base}/servers"), post(block_server))
            .route(
                &format!("{base}/servers/{{host}}/unblock"),
                post(unblock_server),
            )
            .route(&format!("{base}/accounts"), post(block_account))
            .route(
                &format!("{base}/accounts/{{handle}}/unblock"),
                post(unblock_account),
            );
    }
    r
}

const INSTANCE: &str = "/admin/blocklist";
const MINE: &str = "/my-account/blocklist";

/// Whose blocklist a request is about: the instance's (under [`INSTANCE`]) or the user's own.
#[derive(Clone, Copy)]
struct Scope {
    instance: bool,
}

impl Scope {
    fn base(self) -> &'static str {
        if self.instance { INSTANCE } else { MINE }
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Scope {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Scope {
            instance: parts.uri.path().starts_with(INSTANCE),
        })
    }
}

#[derive(Template)]
#[template(path = "blocklist.html")]
struct BlocklistPage {
    chrome: Chrome,
    /// The instance's blocklist, else the user's mutes.
    instance: bool,
    base: &'static str,
    /// (host, since).
    servers: Vec<(String, Moment)>,
    servers_total: i64,
    /// (handle, display name, since).
    accounts: Vec<(String, String, Moment)>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
struct Notice {
    added: Option<i64>,
}

/// `GET /admin/blocklist` or `/my-account/blocklist`: the newest 200 of each.
async fn page(
    State(st): State<AppState>,
    scope: Scope,
    Page { chrome, user }: Page,
    Query(q): Query<Notice>,
) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect(scope.base());
    };
    let instance = scope.instance;
    let read = async {
        let servers = blocklist::server_blocks(&st.tube, &u, instance, None, false, 0, 200).await?;
        let accounts =
            blocklist::account_blocks(&st.tube, &u, instance, None, false, 0, 200).await?;
        Ok::<_, ruche_tube::TubeError>((servers, accounts))
    }
    .await;
    let ((servers, _, servers_total), (accounts, names, _)) = match read {
        Ok(v) => v,
        Err(e) => return error_page(chrome, e),
    };
    let ours = st.tube.settings.host();
    let servers = servers
        .into_iter()
        .map(|b| (b.host, moment(&chrome.tr, b.created_at)))
        .collect();
    let accounts = accounts
        .into_iter()
        .filter_map(|b| {
            let a = names.get(&b.blocked_account_id)?;
            let handle = format!(
                "{}@{}",
                a.name,
                a.host.clone().unwrap_or_else(|| ours.clone())
            );
            Some((
                handle,
                a.display_name.clone(),
                moment(&chrome.tr, b.created_at),
            ))
        })
        .collect();
    let notice = q
        .added
        .map(|n| chrome.tr.t1("blocklist-imported", "count", &n));
    render(&BlocklistPage {
        chrome,
        instance,
        base: scope.base(),
        servers,
        servers_total,
        accounts,
        notice,
    })
}

#[derive(Deserialize, Default)]
struct BlockForm {
    #[serde(default)]
    csrf: String,
    host: Option<String>,
    handle: Option<String>,
    hosts: Option<String>,
}

async fn block_server(
    State(st): State<AppState>,
    scope: Scope,
    Page { chrome, user }: Page,
    Body(f): Body<BlockForm>,
) -> Response {
    on_form(
        chrome,
        &user,
        scope.base(),
        &f.csrf,
        error_page,
        async |u| {
            let host = f.host.as_deref().unwrap_or_default();
            blocklist::block_server(&st.tube, u, scope.instance, host).await?;
            Ok(String::new())
        },
    )
    .await
}

async fn import(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Body(f): Body<BlockForm>,
) -> Response {
    on_form(chrome, &user, INSTANCE, &f.csrf, error_page, async |u| {
        let added =
            blocklist::import_servers(&st.tube, u, f.hosts.as_deref().unwrap_or_default()).await?;
        Ok(format!("?added={added}"))
    })
    .await
}

async fn unblock_server(
    State(st): State<AppState>,
    scope: Scope,
    Page { chrome, user }: Page,
    Path(host): Path<String>,
    Body(f): Body<BlockForm>,
) -> Response {
    on_form(
        chrome,
        &user,
        scope.base(),
        &f.csrf,
        error_page,
        async |u| {
            blocklist::unblock_server(&st.tube, u, scope.instance, &host).await?;
            Ok(String::new())
        },
    )
    .await
}

async fn block_account(
    State(st): State<AppState>,
    scope: Scope,
    Page { chrome, user }: Page,
    Body(f): Body<BlockForm>,
) -> Response {
    on_form(
        chrome,
        &user,
        scope.base(),
        &f.csrf,
        error_page,
        async |u| {
            let handle = f
                .handle
                .as_deref()
                .unwrap_or_default()
                .trim()
                .trim_start_matches('@');
            blocklist::block_account(&st.tube, u, scope.instance, handle).await?;
            Ok(String::new())
        },
    )
    .await
}

async fn unblock_account(
    State(st): State<AppState>,
    scope: Scope,
    Page { chrome, user }: Page,
    Path(handle): Path<String>,
    Body(f): Body<BlockForm>,
) -> Response {
    on_form(
        chrome,
        &user,
        scope.base(),
        &f.csrf,
        error_page,
        async |u| {
            blocklist::unblock_account(&st.tube, u, scope.instance, &handle).await?;
            Ok(String::new())
        },
    )
    .await
}
