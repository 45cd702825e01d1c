//! Video blocks in the pages: a moderator blocks a video from its watch page (a reason, and for
//! ours whether other instances forget it) or unblocks it there; *Blocked videos* lists the
//! blocks, the automatic ones (new videos waiting for approval) apart, to unblock or approve.
//! The same services as PeerTube's `/api/v1/videos/{id}/blacklist`.

use crate::AppState;
use crate::api::body::Body;
use crate::html::{Chrome, Moment, Page, error_page, login_redirect, moment, on_form, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use ruche_domain::ids::short_uuid;
use ruche_tube::video_blocks::{self, AUTO, Filter, MANUAL};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/w/{id}/block", post(block))
        .route("/w/{id}/unblock", post(unblock_from_watch))
        .route("/admin/video-blocks", get(list))
        .route("/admin/video-blocks/{id}/unblock", post(unblock_from_list))
        .route("/admin/video-blocks/auto", post(set_auto))
}

#[derive(Deserialize, Default)]
struct AutoForm {
    #[serde(default)]
    csrf: String,
    enabled: Option<String>,
}

/// `POST /admin/video-blocks/auto`: new users' videos wait for approval, or not.
async fn set_auto(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Body(f): Body<AutoForm>,
) -> Response {
    on_form(
        chrome,
        &user,
        "/admin/video-blocks",
        &f.csrf,
        error_page,
        async |u| {
            let on = f.enabled.as_deref() == Some("true");
            video_blocks::set_auto(&st.tube, u, on).await?;
            Ok("?saved=1".into())
        },
    )
    .await
}

#[derive(Deserialize, Default)]
struct BlockForm {
    #[serde(default)]
    csrf: String,
    reason: Option<String>,
    unfederate: Option<String>,
}

/// `POST /w/{id}/block`: back to the watch page.
async fn block(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<String>,
    Body(f): Body<BlockForm>,
) -> Response {
    let back = format!("/w/{id}");
    on_form(chrome, &user, &back, &f.csrf, error_page, async |u| {
        let reason = f.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
        let unfederate = f.unfederate.as_deref() == Some("true");
        video_blocks::block(&st.tube, u, &id, reason, unfederate).await?;
        Ok(String::new())
    })
    .await
}

#[derive(Deserialize, Default)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /w/{id}/unblock`: back to the watch page.
async fn unblock_from_watch(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<String>,
    Body(f): Body<CsrfForm>,
) -> Response {
    let back = format!("/w/{id}");
    on_form(chrome, &user, &back, &f.csrf, error_page, async |u| {
        video_blocks::unblock(&st.tube, u, &id).await?;
        Ok(String::new())
    })
    .await
}

/// `POST /admin/video-blocks/{id}/unblock`: back to the list.
async fn unblock_from_list(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<String>,
    Body(f): Body<CsrfForm>,
) -> Response {
    on_form(
        chrome,
        &user,
        "/admin/video-blocks",
        &f.csrf,
        error_page,
        async |u| {
            video_blocks::unblock(&st.tube, u, &id).await?;
            Ok(String::new())
        },
    )
    .await
}

struct Row {
    short_uuid: String,
    name: String,
    reason: Option<String>,
    unfederated: bool,
    automatic: bool,
    date: Moment,
}

#[derive(Template)]
#[template(path = "video_blocks.html")]
struct List {
    chrome: Chrome,
    rows: Vec<Row>,
    total: i64,
    kind: i64,
    /// New users' videos wait for approval.
    auto: bool,
}

#[derive(Deserialize)]
struct ListQuery {
    kind: Option<i64>,
}

/// `GET /admin/video-blocks?kind=1|2`: the newest blocks first (all kinds by default).
async fn list(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/admin/video-blocks");
    };
    let kind = q.kind.filter(|k| [MANUAL, AUTO].contains(k)).unwrap_or(0);
    let f = Filter {
        kind: (kind != 0).then_some(kind),
        descending: true,
        count: 100,
        ..Filter::default()
    };
    let (blocks, total) = match video_blocks::list(&st.tube, &u, &f).await {
        Ok(v) => v,
        Err(e) => return error_page(chrome, e),
    };
    let rows = blocks
        .iter()
        .map(|(b, v)| Row {
            short_uuid: short_uuid(&v.uuid),
            name: v.name.clone(),
            reason: b.reason.clone(),
            unfederated: b.unfederated,
            automatic: b.kind == AUTO,
            date: moment(&chrome.tr, b.created_at),
        })
        .collect();
    let auto = match ruche_tube::instance::current(&st.tube).await {
        Ok(c) => c.auto_block_videos,
        Err(e) => return error_page(chrome, e),
    };
    render(&List {
        chrome,
        rows,
        total,
        kind,
        auto,
    })
}
