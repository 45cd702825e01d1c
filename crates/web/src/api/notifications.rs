//! A user's notifications on the API, PeerTube's routes and `UserNotification` shape
//! (`docs/research/peertube-notifications.md`): the list (`count=0&unread=true` is how clients
//! count the unread), marking read, and the settings.

use super::body::Body;
use super::{account_json, short_uuid};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use ruche_domain::moderation::AbuseState;
use ruche_domain::notification::Kind;
use ruche_domain::time::iso;
use ruche_tube::TubeError;
use ruche_tube::accounts::Account;
use ruche_tube::notifications::{self, Filter, Shown};
use ruche_tube::videos::Video;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The list's query, PeerTube's (paging, `sort` `createdAt` or `read`, `unread`, `typeOneOf`
/// repeated); an unreadable `unread` is ignored as PeerTube ignores it.
fn filter_of(raw: Option<&str>) -> ApiResult<Filter> {
    let mut f = Filter::default();
    let page = super::query::read(raw, |k, v| {
        match k {
            "unread" => {
                f.unread = match v {
                    "true" | "1" => Some(true),
                    "false" | "0" => Some(false),
                    _ => None,
                }
            }
            "typeOneOf" | "typeOneOf[]" => f.kinds.push(
                v.trim()
                    .parse()
                    .map_err(|_| super::query::bad("typeOneOf"))?,
            ),
            _ => {}
        }
        Ok(())
    })?;
    let (descending, column) = page.sort.unwrap_or((true, "createdAt".into()));
    f.by_read = match column.as_str() {
        "createdAt" => false,
        "read" => true,
        _ => return Err(super::query::bad("sort")),
    };
    Ok(Filter {
        start: page.start,
        count: page.count,
        descending,
        ..f
    })
}

/// `GET /api/v1/users/me/notifications`.
pub async fn list(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let f = filter_of(raw.as_deref())?;
    let (rows, total) = notifications::list(&st.tube, &u, &f).await?;
    let data: Vec<Value> = rows.iter().map(|s| notification_json(&st, s)).collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

#[derive(Deserialize)]
pub struct Ids {
    ids: Option<Value>,
}

/// `POST /api/v1/users/me/notifications/read`: `{ids: [..]}`, 204.
pub async fn read(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Body(b): Body<Ids>,
) -> ApiResult<StatusCode> {
    let ids: Option<Vec<i64>> = match &b.ids {
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            })
            .collect(),
        // A form's `ids=1` is one id.
        Some(Value::String(s)) => s.trim().parse().ok().map(|i| vec![i]),
        _ => None,
    };
    let ids = ids.filter(|i| !i.is_empty()).ok_or_else(|| {
        TubeError::BadRequest("Should have a valid array of notification ids".into())
    })?;
    notifications::mark_read(&st.tube, &u, &ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/users/me/notifications/read-all`: 204.
pub async fn read_all(State(st): State<AppState>, ApiUser(u): ApiUser) -> ApiResult<StatusCode> {
    notifications::mark_all_read(&st.tube, &u).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/v1/users/me/notification-settings`: 204.
pub async fn set_settings(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Body(b): Body<Value>,
) -> ApiResult<StatusCode> {
    notifications::set_settings(&st.tube, &u, &b).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The user's settings as `GET /api/v1/users/me` shows them (`notificationSettings`).
pub(crate) fn settings_json(s: &ruche_domain::notification::Settings) -> Value {
    let map: Map<String, Value> = s
        .all()
        .into_iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    Value::Object(map)
}

/// PeerTube's `ActorInfo` of an account: `{id, displayName, name, host, avatars, avatar?}`.
fn actor_info(base: &str, host: &str, a: &Account) -> Value {
    let full = account_json(base, host, a);
    let mut j = json!({
        "id": a.id,
        "displayName": a.display_name,
        "name": a.name,
        "host": full["host"],
        "avatars": full["avatars"],
    });
    if let Some(widest) = full["avatars"]
        .as_array()
        .and_then(|l| l.iter().max_by_key(|p| p["width"].as_i64().unwrap_or(0)))
    {
        j["avatar"] = widest.clone();
    }
    j
}

/// PeerTube's `VideoInfo`: `{id, uuid, shortUUID, name, state}`.
fn video_info(v: &Video) -> Value {
    json!({
        "id": v.id,
        "uuid": v.uuid,
        "shortUUID": short_uuid(&v.uuid),
        "name": v.name,
        "state": { "id": v.state.id(), "label": v.state.label() },
    })
}

/// A `UserNotification`: only the objects its kind names, absent otherwise (PeerTube leaves
/// them out, not null).
pub(crate) fn notification_json(st: &AppState, s: &Shown) -> Value {
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let n = &s.n;
    let mut j = json!({
        "id": n.id,
        "type": n.kind,
        "read": n.is_read,
        "data": null,
    });
    // A block's notifications name the block with its video (PeerTube's `videoBlacklist`).
    if let (Some(b), Some(v)) = (n.video_block_id, &s.video) {
        j["videoBlacklist"] = json!({ "id": b, "video": video_info(v) });
    } else if let Some(v) = &s.video {
        let mut info = video_info(v);
        info["channel"] = json!({
            "id": v.channel_id,
            "displayName": v.channel_display_name,
            "name": v.channel_name,
            "host": v.channel_host.as_deref().unwrap_or(&host),
            "avatars": [],
        });
        j["video"] = info;
    }
    if let Some(i) = &s.import {
        j["videoImport"] = json!({
            "id": i.id,
            "video": s.import_video.as_ref().map(video_info),
            "torrentName": null,
            "magnetUri": null,
            "targetUrl": i.target_url,
        });
    }
    if let (Some(c), Some(v)) = (&s.comment, &s.comment_video) {
        j["comment"] = json!({
            "id": c.id,
            "threadId": c.thread_id.unwrap_or(c.id),
            "account": s.comment_author.as_ref().map(|a| actor_info(base, &host, a)),
            "video": video_info(v),
            "heldForReview": c.held_for_review,
        });
    }
    if let Some(a) = &s.abuse {
        let state = AbuseState::try_from(a.abuse.state).unwrap_or(AbuseState::Pending);
        let mut abuse = json!({ "id": a.abuse.id, "state": state.id() });
        if let Some(v) = &a.video {
            abuse["video"] = video_info(v);
        }
        if let (Some(c), Some(v)) = (&a.comment, &a.comment_video) {
            abuse["comment"] = json!({
                "threadId": c.thread_id.unwrap_or(c.id),
                "video": { "id": v.id, "name": v.name, "shortUUID": short_uuid(&v.uuid), "uuid": v.uuid },
            });
        }
        if a.abuse.kind == "account"
            && let Some(f) = &a.flagged
        {
            abuse["account"] = actor_info(base, &host, f);
        }
        j["abuse"] = abuse;
    }
    if let Some(a) = &s.account {
        j["account"] = actor_info(base, &host, a);
    }
    j["createdAt"] = json!(iso(n.created_at));
    j["updatedAt"] = json!(iso(n.updated_at));
    j
}

/// What a notification says in a line, for the pages and mails: its kind's catalogue id and
/// the words that fill it.
pub(crate) fn summary(s: &Shown) -> Option<(&'static str, Vec<(&'static str, String)>)> {
    let kind = s.kind()?;
    let video = |v: &Option<Video>| v.as_ref().map(|v| v.name.clone()).unwrap_or_default();
    let abuse_id = s
        .abuse
        .as_ref()
        .map(|a| a.abuse.id.to_string())
        .unwrap_or_default();
    Some(match kind {
        Kind::NewAbuseForModerators => ("notif-new-abuse", vec![("id", abuse_id)]),
        Kind::AbuseStateChange => {
            let accepted = s
                .abuse
                .as_ref()
                .is_some_and(|a| a.abuse.state == AbuseState::Accepted.id());
            (
                if accepted {
                    "notif-abuse-accepted"
                } else {
                    "notif-abuse-rejected"
                },
                vec![("id", abuse_id)],
            )
        }
        Kind::AbuseNewMessage => ("notif-abuse-message", vec![("id", abuse_id)]),
        Kind::NewCommentOnMyVideo => (
            "notif-new-comment",
            vec![
                (
                    "author",
                    s.comment_author
                        .as_ref()
                        .map(|a| a.display_name.clone())
                        .unwrap_or_default(),
                ),
                ("video", video(&s.comment_video)),
            ],
        ),
        Kind::MyVideoPublished => ("notif-video-published", vec![("video", video(&s.video))]),
        Kind::BlacklistOnMyVideo => ("notif-video-blocked", vec![("video", video(&s.video))]),
        Kind::UnblacklistOnMyVideo => ("notif-video-unblocked", vec![("video", video(&s.video))]),
        Kind::VideoAutoBlacklistForModerators => {
            ("notif-video-auto-blocked", vec![("video", video(&s.video))])
        }
        Kind::MyVideoImportSuccess => (
            "notif-import-success",
            vec![("video", video(&s.import_video))],
        ),
        Kind::MyVideoImportError => (
            "notif-import-error",
            vec![(
                "url",
                s.import
                    .as_ref()
                    .map(|i| i.target_url.clone())
                    .unwrap_or_default(),
            )],
        ),
        _ => ("notif-other", Vec::new()),
    })
}

/// Where a notification leads in the pages.
pub(crate) fn link(s: &Shown) -> String {
    let watch = |v: &Video| format!("/w/{}", short_uuid(&v.uuid));
    match s.kind() {
        Some(Kind::NewAbuseForModerators) => "/admin/moderation".into(),
        Some(Kind::VideoAutoBlacklistForModerators) => "/admin/video-blocks".into(),
        Some(Kind::AbuseStateChange | Kind::AbuseNewMessage) => match &s.abuse {
            Some(a) if a.reporter.as_ref().and_then(|r| r.user_id) == Some(s.n.user_id) => {
                "/my-account/abuses".into()
            }
            _ => "/admin/moderation".into(),
        },
        Some(Kind::NewCommentOnMyVideo) => s
            .comment_video
            .as_ref()
            .map(|v| {
                format!(
                    "{}#comment-{}",
                    watch(v),
                    s.comment.as_ref().map_or(0, |c| c.id)
                )
            })
            .unwrap_or_default(),
        _ => s
            .video
            .as_ref()
            .or(s.import_video.as_ref())
            .map(watch)
            .unwrap_or_else(|| "/my-account/notifications".into()),
    }
}
