//! Reports through the pages: the *Report* forms (a video, from its watch page, with a span of
//! it; a comment; an account, from its page) and the moderators' *Moderation* page, the queue
//! of reports with what each names shown in place, to accept or reject with a comment, or
//! delete. The same services as PeerTube's `/api/v1/abuses`.

use crate::AppState;
use crate::api::body::Body;
use crate::html::{
    Chrome, Moment, Page, error_page, login_redirect, markdown, moment, on_form, render,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use ruche_domain::ids::short_uuid;
use ruche_domain::moderation::{AbuseState, PREDEFINED_REASONS};
use ruche_tube::TubeError;
use ruche_tube::abuses::{self, Filter, Report, Shown};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/w/{id}/report", post(report_video))
        .route("/w/{id}/comments/{comment}/report", post(report_comment))
        .route("/a/{name}/report", post(report_account))
        .route("/a/{name}/{action}", post(mute))
        .route("/admin/moderation", get(queue))
        .route("/admin/moderation/{id}", post(decide))
        .route("/admin/moderation/{id}/delete", post(delete))
}

/// The predefined reasons as a form offers them: (value, label).
pub(crate) fn reason_choices(chrome: &Chrome) -> Vec<(&'static str, String)> {
    PREDEFINED_REASONS
        .iter()
        .map(|r| (*r, chrome.tr.t(&format!("report-reason-{r}"))))
        .collect()
}

/// A report form as a browser sends it; the reasons ticked come as repeated fields.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    predefined_reasons: Vec<String>,
    /// Where the part reported starts, as `m:ss`, `h:mm:ss` or seconds.
    start: Option<String>,
    end: Option<String>,
}

/// `1:23`, `1:02:03` or `83` as seconds; empty is none.
fn seconds(text: Option<&str>) -> Result<Option<i64>, TubeError> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let mut total: i64 = 0;
    let parts: Vec<&str> = t.split(':').collect();
    if parts.len() > 3 {
        return Err(TubeError::BadRequest(t.chars().take(20).collect()));
    }
    for p in parts {
        let n: i64 = p
            .parse()
            .ok()
            .filter(|n| *n >= 0 && *n < 100_000)
            .ok_or_else(|| TubeError::BadRequest(t.chars().take(20).collect()))?;
        total = total * 60 + n;
    }
    Ok(Some(total))
}

/// A refused report, said in the viewer's language.
fn refused(chrome: Chrome, e: TubeError) -> Response {
    let key = match &e {
        TubeError::BadRequest(_) => "report-invalid",
        TubeError::Conflict(_) => "report-already",
        TubeError::Forbidden(_) => "report-own",
        _ => return error_page(chrome, e),
    };
    let msg = chrome.tr.t(key);
    let mut res = error_page(chrome, TubeError::BadRequest(msg));
    *res.status_mut() = crate::error::status_of(&e);
    res
}

/// Sends a report from the page at `back`; back there with a notice, or the refusal said.
async fn send(
    st: &AppState,
    chrome: Chrome,
    user: &crate::auth::MaybeUser,
    back: &str,
    f: ReportForm,
    mut r: Report,
) -> Response {
    on_form(chrome, user, back, &f.csrf, refused, async |u| {
        r.reason = f.reason;
        r.predefined_reasons = f.predefined_reasons;
        if r.video.is_some() {
            r.start_at = seconds(f.start.as_deref())?;
            r.end_at = seconds(f.end.as_deref())?;
        }
        abuses::report(&st.tube, u, r).await?;
        Ok("?reported=1".to_string())
    })
    .await
}

/// `POST /w/{id}/report`.
async fn report_video(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<String>,
    Body(f): Body<ReportForm>,
) -> Response {
    let r = Report {
        video: Some(id.clone()),
        ..Report::default()
    };
    send(&st, chrome, &user, &format!("/w/{id}"), f, r).await
}

/// `POST /w/{id}/comments/{comment}/report`.
async fn report_comment(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((id, comment)): Path<(String, i64)>,
    Body(f): Body<ReportForm>,
) -> Response {
    let r = Report {
        comment: Some(comment),
        ..Report::default()
    };
    send(&st, chrome, &user, &format!("/w/{id}"), f, r).await
}

/// `POST /a/{name}/report`.
async fn report_account(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(name): Path<String>,
    Body(f): Body<ReportForm>,
) -> Response {
    let account = match ruche_tube::accounts::account_by_handle(&st.tube, &name).await {
        Ok(a) => a,
        Err(e) => return error_page(chrome, e),
    };
    let r = Report {
        account: Some(account.id),
        ..Report::default()
    };
    send(&st, chrome, &user, &format!("/a/{name}"), f, r).await
}

#[derive(Deserialize, Default)]
struct MuteForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /a/{name}/mute` (the viewer no longer sees the account's videos and comments) and
/// `/a/{name}/unmute`.
async fn mute(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((name, action)): Path<(String, String)>,
    Body(f): Body<MuteForm>,
) -> Response {
    let muting = match action.as_str() {
        "mute" => true,
        "unmute" => false,
        _ => return error_page(chrome, TubeError::NotFound("page")),
    };
    on_form(
        chrome,
        &user,
        &format!("/a/{name}"),
        &f.csrf,
        error_page,
        async |u| {
            if muting {
                ruche_tube::blocklist::block_account(&st.tube, u, false, &name).await?;
            } else {
                ruche_tube::blocklist::unblock_account(&st.tube, u, false, &name).await?;
            }
            Ok(String::new())
        },
    )
    .await
}

/// One report as the queue shows it.
struct Row {
    id: i64,
    kind: String,
    state: i64,
    state_text: String,
    date: Moment,
    reporter: String,
    flagged: String,
    flagged_url: Option<String>,
    reasons: Vec<String>,
    reason_html: String,
    /// What is reported, in place: a video (link, name, thumbnail, span), a comment's text.
    video: Option<(String, String, Option<String>)>,
    span: Option<String>,
    comment_html: Option<String>,
    comment_link: Option<String>,
    gone: bool,
    moderation_comment: Option<String>,
    reports_of_flagged: i64,
}

#[derive(Template)]
#[template(path = "moderation.html")]
struct Queue {
    chrome: Chrome,
    rows: Vec<Row>,
    total: i64,
    /// The state shown (0: all).
    state: i64,
    states: Vec<(i64, String)>,
}

#[derive(Deserialize, Default)]
struct QueueQuery {
    state: Option<i64>,
}

fn clock(s: i64) -> String {
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

fn handle(st: &AppState, a: &ruche_tube::accounts::Account) -> String {
    format!(
        "{}@{}",
        a.name,
        a.host.clone().unwrap_or_else(|| st.tube.settings.host())
    )
}

fn row(st: &AppState, chrome: &Chrome, s: &Shown) -> Row {
    let a = &s.abuse;
    let state = AbuseState::try_from(a.state).unwrap_or(AbuseState::Pending);
    let video = match (&s.video, a.kind.as_str()) {
        (Some(v), _) => Some((
            format!("/w/{}", short_uuid(&v.uuid)),
            v.name.clone(),
            ruche_tube::playback::pictures(v).0,
        )),
        (None, "video") => {
            let snap: serde_json::Value = a
                .video_snapshot
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default();
            Some((
                String::new(),
                snap["name"].as_str().unwrap_or_default().to_string(),
                None,
            ))
        }
        _ => None,
    };
    let gone = match a.kind.as_str() {
        "video" => s.video.is_none(),
        "comment" => s.comment.as_ref().is_none_or(|c| c.deleted_at.is_some()),
        _ => s.flagged.is_none(),
    };
    let span = match (a.start_at, a.end_at) {
        (Some(b), Some(e)) => Some(format!("{} – {}", clock(b), clock(e))),
        (Some(b), None) => Some(clock(b)),
        _ => None,
    };
    Row {
        id: a.id,
        kind: chrome.tr.t(&format!("moderation-kind-{}", a.kind)),
        state: state.id(),
        state_text: chrome.tr.t(&format!("moderation-state-{}", state.id())),
        date: moment(&chrome.tr, a.created_at),
        reporter: s
            .reporter
            .as_ref()
            .map(|r| handle(st, r))
            .unwrap_or_else(|| "—".into()),
        flagged: s
            .flagged
            .as_ref()
            .map(|f| handle(st, f))
            .unwrap_or_else(|| "—".into()),
        flagged_url: s.flagged.as_ref().map(|f| match &f.host {
            Some(_) => format!("/a/{}", handle(st, f)),
            None => format!("/a/{}", f.name),
        }),
        reasons: a
            .predefined()
            .iter()
            .map(|r| chrome.tr.t(&format!("report-reason-{r}")))
            .collect(),
        reason_html: markdown(&a.reason),
        video,
        span,
        comment_html: s
            .comment
            .as_ref()
            .filter(|c| c.deleted_at.is_none())
            .map(|c| markdown(&c.text)),
        comment_link: match (&s.comment, &s.comment_video) {
            (Some(c), Some(v)) => Some(format!("/w/{}#comment-{}", short_uuid(&v.uuid), c.id)),
            _ => None,
        },
        gone,
        moderation_comment: a.moderation_comment.clone(),
        reports_of_flagged: a.count_for_reportee,
    }
}

/// `GET /admin/moderation`: the reports, the pending ones first by default.
async fn queue(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Query(q): Query<QueueQuery>,
) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/admin/moderation");
    };
    let state = q.state.unwrap_or(AbuseState::Pending.id());
    let f = Filter {
        state: (state != 0).then_some(state),
        descending: true,
        count: 100,
        ..Filter::default()
    };
    let (list, total) = match abuses::list(&st.tube, &u, false, f).await {
        Ok(v) => v,
        Err(e) => return error_page(chrome, e),
    };
    let rows = list.iter().map(|s| row(&st, &chrome, s)).collect();
    let states = [0, 1, 3, 2]
        .into_iter()
        .map(|s| (s, chrome.tr.t(&format!("moderation-state-{s}"))))
        .collect();
    render(&Queue {
        chrome,
        rows,
        total,
        state,
        states,
    })
}

#[derive(Deserialize, Default)]
struct DecisionForm {
    #[serde(default)]
    csrf: String,
    state: Option<i64>,
    comment: Option<String>,
}

/// `POST /admin/moderation/{id}`: accept or reject, with a comment.
async fn decide(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<i64>,
    Body(f): Body<DecisionForm>,
) -> Response {
    on_form(
        chrome,
        &user,
        "/admin/moderation",
        &f.csrf,
        error_page,
        async |u| {
            let comment = f
                .comment
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty());
            abuses::decide(&st.tube, u, id, f.state, comment).await?;
            Ok(format!("#report-{id}"))
        },
    )
    .await
}

/// `POST /admin/moderation/{id}/delete`.
async fn delete(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<i64>,
    Body(f): Body<DecisionForm>,
) -> Response {
    on_form(
        chrome,
        &user,
        "/admin/moderation",
        &f.csrf,
        error_page,
        async |u| {
            abuses::delete(&st.tube, u, id).await?;
            Ok(String::new())
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_as_people_write_them() {
        assert_eq!(seconds(Some("1:23")).ok(), Some(Some(83)));
        assert_eq!(seconds(Some("1:02:03")).ok(), Some(Some(3723)));
        assert_eq!(seconds(Some(" 42 ")).ok(), Some(Some(42)));
        assert_eq!(seconds(Some("")).ok(), Some(None));
        assert!(seconds(Some("1:2:3:4")).is_err());
        assert!(seconds(Some("soon")).is_err());
        assert_eq!(clock(83), "1:23");
        assert_eq!(clock(3723), "1:02:03");
    }
}
