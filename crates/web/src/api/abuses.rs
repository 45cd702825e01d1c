//! Abuse reports on the API, in PeerTube's shapes: `POST /api/v1/abuses` for any user,
//! `AdminAbuse` lists and decisions for moderators, `UserAbuse` for a reporter's own list, and
//! the messages of a report.

use super::body::Body;
use super::videos::Paging;
use super::{account_json, short_uuid, video_json};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiResult;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use ruche_domain::moderation::AbuseState;
use ruche_domain::time::iso;
use ruche_tube::TubeError;
use ruche_tube::abuses::{self, Filter, Order, Report, Shown};
use serde::Deserialize;
use serde_json::{Value, json};

/// A number or a numeric string, as PeerTube's validators take ids and seconds.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
pub enum NumOrText {
    Num(i64),
    Text(String),
}

impl NumOrText {
    fn text(&self) -> String {
        match self {
            NumOrText::Num(n) => n.to_string(),
            NumOrText::Text(t) => t.clone(),
        }
    }
    fn int(&self, name: &str) -> ApiResult<i64> {
        self.text().trim().parse().map_err(|_| {
            TubeError::BadRequest(format!("Incorrect request parameters: {name}")).into()
        })
    }
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct VideoPart {
    id: Option<NumOrText>,
    start_at: Option<NumOrText>,
    end_at: Option<NumOrText>,
}

#[derive(Deserialize, Clone)]
pub struct IdPart {
    id: Option<NumOrText>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAbuse {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    predefined_reasons: Vec<String>,
    video: Option<VideoPart>,
    comment: Option<IdPart>,
    account: Option<IdPart>,
}

/// `POST /api/v1/abuses`: `{abuse: {id}}`.
pub async fn report(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Body(b): Body<NewAbuse>,
) -> ApiResult<Json<Value>> {
    let opt_int = |v: &Option<NumOrText>, name: &str| v.as_ref().map(|v| v.int(name)).transpose();
    let r = Report {
        reason: b.reason,
        predefined_reasons: b.predefined_reasons,
        video: b
            .video
            .as_ref()
            .and_then(|v| v.id.as_ref())
            .map(NumOrText::text),
        start_at: opt_int(
            &b.video.as_ref().and_then(|v| v.start_at.clone()),
            "video.startAt",
        )?,
        end_at: opt_int(
            &b.video.as_ref().and_then(|v| v.end_at.clone()),
            "video.endAt",
        )?,
        comment: opt_int(&b.comment.and_then(|c| c.id), "comment.id")?,
        account: opt_int(&b.account.and_then(|a| a.id), "account.id")?,
    };
    let id = abuses::report(&st.tube, &u, r).await?;
    Ok(Json(json!({ "abuse": { "id": id } })))
}

/// PeerTube's `AdminAbuse` (`admin`) or `UserAbuse`.
fn abuse_json(st: &AppState, s: &Shown, admin: bool) -> Value {
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let a = &s.abuse;
    let state = AbuseState::try_from(a.state).unwrap_or(AbuseState::Pending);
    let account = |acc: &Option<ruche_tube::accounts::Account>| {
        acc.as_ref()
            .map(|x| account_json(base, &host, x))
            .unwrap_or(Value::Null)
    };
    let video = if a.kind == "video" {
        let snapshot: Value = a
            .video_snapshot
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or(Value::Null);
        let mut v = match &s.video {
            Some(v) => {
                let full = video_json(base, &host, v, false);
                json!({
                    "id": v.id, "uuid": v.uuid, "shortUUID": short_uuid(&v.uuid), "name": v.name,
                    "nsfw": v.nsfw, "deleted": false, "blacklisted": v.is_blocked(),
                    "thumbnailPath": full["thumbnailPath"], "channel": full["channel"],
                })
            }
            None => json!({
                "id": a.video_id, "uuid": snapshot["uuid"],
                "shortUUID": snapshot["uuid"].as_str().map(short_uuid),
                "name": snapshot["name"], "nsfw": snapshot["nsfw"], "deleted": true,
                "blacklisted": false, "channel": snapshot["channel"],
            }),
        };
        v["startAt"] = json!(a.start_at);
        v["endAt"] = json!(a.end_at);
        if admin {
            v["countReports"] = json!(a.count_for_video);
            v["nthReport"] = json!(a.nth_for_video);
        }
        v
    } else {
        Value::Null
    };
    let comment = match (&s.comment, &s.comment_video) {
        (Some(c), Some(v)) => json!({
            "id": c.id,
            "threadId": c.thread_id.unwrap_or(c.id),
            "text": c.text,
            "deleted": c.deleted_at.is_some(),
            "video": { "id": v.id, "name": v.name, "uuid": v.uuid },
        }),
        _ => Value::Null,
    };
    let mut j = json!({
        "id": a.id,
        "reason": a.reason,
        "predefinedReasons": a.predefined(),
        "flaggedAccount": account(&s.flagged),
        "state": { "id": state.id(), "label": state.label() },
        "countMessages": a.count_messages,
        "createdAt": iso(a.created_at),
        "updatedAt": iso(a.updated_at),
        "video": video,
        "comment": comment,
    });
    if admin {
        j["moderationComment"] = json!(a.moderation_comment);
        j["reporterAccount"] = account(&s.reporter);
        j["countReportsForReporter"] = json!(a.count_for_reporter);
        j["countReportsForReportee"] = json!(a.count_for_reportee);
    }
    j
}

/// What the lists of reports take beside their page (PeerTube's `abuseListForAdminsValidator`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    id: Option<String>,
    predefined_reason: Option<String>,
    search: Option<String>,
    state: Option<String>,
    search_reporter: Option<String>,
    search_reportee: Option<String>,
    search_video: Option<String>,
    search_video_channel: Option<String>,
    video_is: Option<String>,
    filter: Option<String>,
    #[serde(flatten)]
    paging: Paging,
}

impl ListQuery {
    fn filter(&self) -> ApiResult<Filter> {
        let bad = |name: &str| -> crate::error::ApiError {
            TubeError::BadRequest(format!("Incorrect request parameters: {name}")).into()
        };
        let int = |v: &Option<String>, name: &str| -> ApiResult<Option<i64>> {
            v.as_deref()
                .map(|s| s.trim().parse::<i64>().map_err(|_| bad(name)))
                .transpose()
        };
        let text = |v: &Option<String>| -> Option<String> {
            v.as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().take(100).collect())
        };
        let state = int(&self.state, "state")?;
        if state.is_some_and(|s| AbuseState::try_from(s).is_err()) {
            return Err(bad("state"));
        }
        if let Some(r) = &self.predefined_reason
            && !ruche_domain::moderation::PREDEFINED_REASONS.contains(&r.as_str())
        {
            return Err(bad("predefinedReason"));
        }
        let kind = match self.filter.as_deref() {
            None => None,
            Some(k @ ("video" | "comment" | "account")) => Some(k.to_string()),
            Some(_) => return Err(bad("filter")),
        };
        let (video_deleted, video_blocked) = match self.video_is.as_deref() {
            None => (false, false),
            Some("deleted") => (true, false),
            Some("blacklisted") => (false, true),
            Some(_) => return Err(bad("videoIs")),
        };
        let (order, descending) = self.paging.sorted(
            |c| match c {
                "createdAt" => Some(Order::Created),
                "id" => Some(Order::Id),
                "state" => Some(Order::State),
                _ => None,
            },
            (Order::Created, true),
        )?;
        let page = self.paging.filter()?;
        Ok(Filter {
            id: int(&self.id, "id")?,
            state,
            predefined_reason: self.predefined_reason.clone(),
            kind,
            search: text(&self.search),
            search_reporter: text(&self.search_reporter),
            search_reportee: text(&self.search_reportee),
            search_video: text(&self.search_video),
            search_video_channel: text(&self.search_video_channel),
            video_deleted,
            video_blocked,
            order,
            descending,
            start: page.start,
            count: page.count,
            ..Filter::default()
        })
    }
}

async fn list(
    st: &AppState,
    u: &ruche_tube::accounts::User,
    mine: bool,
    q: &ListQuery,
) -> ApiResult<Json<Value>> {
    let mut f = q.filter()?;
    if mine {
        // A reporter's list takes only `id`, `search` and `state`.
        f = Filter {
            id: f.id,
            search: f.search,
            state: f.state,
            order: f.order,
            descending: f.descending,
            start: f.start,
            count: f.count,
            ..Filter::default()
        };
    }
    let (rows, total) = abuses::list(&st.tube, u, mine, f).await?;
    let data: Vec<Value> = rows.iter().map(|s| abuse_json(st, s, !mine)).collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

/// `GET /api/v1/abuses` (moderators).
pub async fn all(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    list(&st, &u, false, &q).await
}

/// `GET /api/v1/users/me/abuses`.
pub async fn mine(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    list(&st, &u, true, &q).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    state: Option<NumOrText>,
    moderation_comment: Option<String>,
}

/// `PUT /api/v1/abuses/{id}` (moderators): 204.
pub async fn decide(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Body(b): Body<Decision>,
) -> ApiResult<StatusCode> {
    let state = b.state.as_ref().map(|s| s.int("state")).transpose()?;
    abuses::decide(&st.tube, &u, id, state, b.moderation_comment.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/abuses/{id}` (moderators): 204.
pub async fn delete(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    abuses::delete(&st.tube, &u, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/abuses/{id}/messages`: every message, oldest first.
pub async fn messages(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let (base, host) = (&st.tube.settings.public_url, st.tube.settings.host());
    let (list, authors) = abuses::messages(&st.tube, &u, id).await?;
    let data: Vec<Value> = list
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "createdAt": iso(m.created_at),
                "byModerator": m.by_moderator,
                "message": m.message,
                "account": m.account_id.and_then(|a| authors.get(&a)).map(|a| account_json(base, &host, a)),
            })
        })
        .collect();
    Ok(Json(json!({ "total": data.len(), "data": data })))
}

#[derive(Deserialize)]
pub struct NewMessage {
    #[serde(default)]
    message: String,
}

/// `POST /api/v1/abuses/{id}/messages`: `{abuseMessage: {id}}`.
pub async fn add_message(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Body(b): Body<NewMessage>,
) -> ApiResult<Json<Value>> {
    let mid = abuses::add_message(&st.tube, &u, id, &b.message).await?;
    Ok(Json(json!({ "abuseMessage": { "id": mid } })))
}

/// `DELETE /api/v1/abuses/{id}/messages/{messageId}`: 204.
pub async fn delete_message(
    State(st): State<AppState>,
    ApiUser(u): ApiUser,
    Path((id, message)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    abuses::delete_message(&st.tube, &u, id, message).await?;
    Ok(StatusCode::NO_CONTENT)
}
