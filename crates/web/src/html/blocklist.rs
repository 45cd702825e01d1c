//! The instance's blocklist, for moderators (`/admin/blocklist`): the instances and accounts it
//! blocks, forms to block one more or many instances at once (a plain list of hosts, imported
//! whole or not at all), and *Unblock*. The same services as PeerTube's
//! `/api/v1/server/blocklist`.

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
    Router::new()
        .route("/admin/blocklist", get(page))
        .route("/admin/blocklist/servers", post(block_server))
        .route("/admin/blocklist/servers/import", post(import))
        .route(
            "/admin/blocklist/servers/{host}/unblock",
            post(unblock_server),
        )
        .route("/admin/blocklist/accounts", post(block_account))
        .route(
            "/admin/blocklist/accounts/{handle}/unblock",
            post(unblock_account),
        )
}

#[derive(Template)]
#[template(path = "blocklist.html")]
struct BlocklistPage {
    chrome: Chrome,
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

/// `GET /admin/blocklist`: the newest 200 of each.
async fn page(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Query(q): Query<Notice>,
) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/admin/blocklist");
    };
    let read = async {
        let servers = blocklist::server_blocks(&st.tube, &u, true, None, false, 0, 200).await?;
        let accounts = blocklist::account_blocks(&st.tube, &u, true, None, false, 0, 200).await?;
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

const BACK: &str = "/admin/blocklist";

async fn block_server(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Body(f): Body<BlockForm>,
) -> Response {
    on_form(chrome, &user, BACK, &f.csrf, error_page, async |u| {
        blocklist::block_server(&st.tube, u, true, f.host.as_deref().unwrap_or_default()).await?;
        Ok(String::new())
    })
    .await
}

async fn import(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Body(f): Body<BlockForm>,
) -> Response {
    on_form(chrome, &user, BACK, &f.csrf, error_page, async |u| {
        let added =
            blocklist::import_servers(&st.tube, u, f.hosts.as_deref().unwrap_or_default()).await?;
        Ok(format!("?added={added}"))
    })
    .await
}

async fn unblock_server(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(host): Path<String>,
    Body(f): Body<BlockForm>,
) -> Response {
    on_form(chrome, &user, BACK, &f.csrf, error_page, async |u| {
        blocklist::unblock_server(&st.tube, u, true, &host).await?;
        Ok(String::new())
    })
    .await
}

async fn block_account(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Body(f): Body<BlockForm>,
) -> Response {
    on_form(chrome, &user, BACK, &f.csrf, error_page, async |u| {
        let handle = f
            .handle
            .as_deref()
            .unwrap_or_default()
            .trim()
            .trim_start_matches('@');
        blocklist::block_account(&st.tube, u, true, handle).await?;
        Ok(String::new())
    })
    .await
}

async fn unblock_account(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(handle): Path<String>,
    Body(f): Body<BlockForm>,
) -> Response {
    on_form(chrome, &user, BACK, &f.csrf, error_page, async |u| {
        blocklist::unblock_account(&st.tube, u, true, &handle).await?;
        Ok(String::new())
    })
    .await
}
