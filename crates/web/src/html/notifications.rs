//! A user's notifications in the pages (the header's badge counts the unread): the list, each
//! item leading to what it is about and marked read on the way; marking all read; the
//! settings, in the page and by mail, for the kinds Ruche sends. And *My reports*: a user's own
//! reports, the moderators' decisions and comments, and the messages exchanged with them. The
//! same services as PeerTube's `/api/v1/users/me/notifications` and `/users/me/abuses`.

use crate::AppState;
use crate::api::notifications::{link, summary};
use crate::html::{
    Chrome, Moment, Page, error_page, form_user, login_redirect, markdown, moment, on_form, render,
};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ruche_domain::moderation::AbuseState;
use ruche_domain::notification::{EMAIL, WEB};
use ruche_tube::abuses;
use ruche_tube::notifications::{self, Filter};
use serde::Deserialize;
use serde_json::{Map, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/my-account/notifications", get(list))
        .route("/my-account/notifications/read-all", post(read_all))
        .route("/my-account/notifications/settings", post(settings))
        .route("/my-account/notifications/{id}", post(open))
        .route("/my-account/abuses", get(my_reports))
        .route("/my-account/abuses/{id}/messages", post(write))
}

/// The settings the pages offer: those of the kinds Ruche sends (the report ones to moderators
/// for reports to moderators only).
const OFFERED: [(&str, bool); 8] = [
    ("newCommentOnMyVideo", false),
    ("myVideoPublished", false),
    ("myVideoImportFinished", false),
    ("blacklistOnMyVideo", false),
    ("abuseStateChange", false),
    ("abuseNewMessage", false),
    ("abuseAsModerator", true),
    ("videoAutoBlacklistAsModerator", true),
];

struct Item {
    id: i64,
    read: bool,
    text: String,
    date: Moment,
}

struct Setting {
    key: &'static str,
    label: String,
    web: bool,
    mail: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct List {
    chrome: Chrome,
    items: Vec<Item>,
    total: i64,
    settings: Vec<Setting>,
}

/// `GET /my-account/notifications`: the latest fifty, newest first.
async fn list(State(st): State<AppState>, Page { chrome, user }: Page) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/my-account/notifications");
    };
    let f = Filter {
        count: 50,
        descending: true,
        ..Filter::default()
    };
    let (rows, total) = match notifications::list(&st.tube, &u, &f).await {
        Ok(v) => v,
        Err(e) => return error_page(chrome, e),
    };
    let current = match notifications::settings(&st.tube, &u).await {
        Ok(s) => s,
        Err(e) => return error_page(chrome, e),
    };
    let items = rows
        .iter()
        .map(|s| Item {
            id: s.n.id,
            read: s.n.is_read,
            text: summary(s)
                .map(|(key, args)| {
                    let args: Vec<(&str, &dyn std::fmt::Display)> = args
                        .iter()
                        .map(|(k, v)| (*k, v as &dyn std::fmt::Display))
                        .collect();
                    chrome.tr.tn(key, &args)
                })
                .unwrap_or_default(),
            date: moment(&chrome.tr, s.n.created_at),
        })
        .collect();
    let settings = OFFERED
        .iter()
        .filter(|(_, moderators)| !moderators || u.role.can_moderate())
        .map(|(key, _)| {
            let v = current.get(key);
            Setting {
                key,
                label: chrome.tr.t(&format!("notifications-setting-{key}")),
                web: v & WEB != 0,
                mail: v & EMAIL != 0,
            }
        })
        .collect();
    render(&List {
        chrome,
        items,
        total,
        settings,
    })
}

#[derive(Deserialize, Default)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /my-account/notifications/read-all`.
async fn read_all(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Form(f): Form<CsrfForm>,
) -> Response {
    on_form(
        chrome,
        &user,
        "/my-account/notifications",
        &f.csrf,
        error_page,
        async |u| {
            notifications::mark_all_read(&st.tube, u).await?;
            Ok(String::new())
        },
    )
    .await
}

/// `POST /my-account/notifications/{id}`: marks it read and goes where it leads.
async fn open(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, "/my-account/notifications") {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    if let Err(e) = notifications::mark_read(&st.tube, &u, &[id]).await {
        return error_page(chrome, e);
    }
    let to = match notifications::one(&st.tube, id).await {
        Ok(Some(s)) if s.n.user_id == u.id => link(&s),
        Ok(_) => "/my-account/notifications".to_string(),
        Err(e) => return error_page(chrome, e),
    };
    Redirect::to(&to).into_response()
}

/// `POST /my-account/notifications/settings`: each offered setting's boxes (`key=1` in the
/// page, `key=2` by mail); the others keep their value.
async fn settings(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    on_form(
        chrome,
        &user,
        "/my-account/notifications",
        &csrf,
        error_page,
        async |u| {
            let current = notifications::settings(&st.tube, u).await?;
            let mut body: Map<String, Value> = current
                .all()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.into()))
                .collect();
            for (key, moderators) in OFFERED {
                if moderators && !u.role.can_moderate() {
                    continue;
                }
                let v: i64 = pairs
                    .iter()
                    .filter(|(k, _)| k == key)
                    .filter_map(|(_, v)| v.parse::<i64>().ok())
                    .filter(|b| *b == WEB || *b == EMAIL)
                    .fold(0, |acc, b| acc | b);
                body.insert(key.to_string(), v.into());
            }
            notifications::set_settings(&st.tube, u, &Value::Object(body)).await?;
            Ok("?saved=1#settings".into())
        },
    )
    .await
}

struct Message {
    author: String,
    by_moderator: bool,
    html: String,
    date: Moment,
}

struct Report {
    id: i64,
    state: i64,
    state_text: String,
    about: String,
    link: Option<String>,
    reason_html: String,
    moderation_comment: Option<String>,
    date: Moment,
    messages: Vec<Message>,
}

#[derive(Template)]
#[template(path = "my_reports.html")]
struct MyReports {
    chrome: Chrome,
    reports: Vec<Report>,
}

/// `GET /my-account/abuses`: the user's reports, newest first, with their messages.
async fn my_reports(State(st): State<AppState>, Page { chrome, user }: Page) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/my-account/abuses");
    };
    let f = abuses::Filter {
        descending: true,
        count: 50,
        ..abuses::Filter::default()
    };
    let (list, _) = match abuses::list(&st.tube, &u, true, f).await {
        Ok(v) => v,
        Err(e) => return error_page(chrome, e),
    };
    let mut reports = Vec::new();
    for s in &list {
        let a = &s.abuse;
        let messages = match abuses::messages(&st.tube, &u, a.id).await {
            Ok((list, authors)) => list
                .iter()
                .map(|m| Message {
                    author: m
                        .account_id
                        .and_then(|id| authors.get(&id))
                        .map(|a| a.display_name.clone())
                        .unwrap_or_else(|| "—".into()),
                    by_moderator: m.by_moderator,
                    html: markdown(&m.message),
                    date: moment(&chrome.tr, m.created_at),
                })
                .collect(),
            Err(e) => return error_page(chrome, e),
        };
        let state = AbuseState::try_from(a.state).unwrap_or(AbuseState::Pending);
        let (about, link) = match (&s.video, &s.comment_video, &s.flagged) {
            (Some(v), _, _) => (
                v.name.clone(),
                Some(format!("/w/{}", ruche_domain::ids::short_uuid(&v.uuid))),
            ),
            (None, Some(v), _) => (
                v.name.clone(),
                Some(format!("/w/{}", ruche_domain::ids::short_uuid(&v.uuid))),
            ),
            (None, None, Some(f)) => (f.display_name.clone(), None),
            _ => ("—".into(), None),
        };
        reports.push(Report {
            id: a.id,
            state: state.id(),
            state_text: chrome.tr.t(&format!("moderation-state-{}", state.id())),
            about,
            link,
            reason_html: markdown(&a.reason),
            moderation_comment: a.moderation_comment.clone(),
            date: moment(&chrome.tr, a.created_at),
            messages,
        });
    }
    render(&MyReports { chrome, reports })
}

#[derive(Deserialize, Default)]
struct MessageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    message: String,
}

/// `POST /my-account/abuses/{id}/messages`: the reporter writes to the moderators.
async fn write(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<i64>,
    Form(f): Form<MessageForm>,
) -> Response {
    on_form(
        chrome,
        &user,
        "/my-account/abuses",
        &f.csrf,
        error_page,
        async |u| {
            abuses::add_message(&st.tube, u, id, &f.message).await?;
            Ok(format!("#report-{id}"))
        },
    )
    .await
}
