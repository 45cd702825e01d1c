//! *Users* for moderators (`/admin/users`): search and filter the users, ban one with a reason or
//! unban them, change a user's quota (and, for administrators, their role), delete a user after
//! typing their name; and the *Audit log* for administrators (`/admin/audit-logs`), the newest
//! moderation actions first. The same services as PeerTube's `/api/v1/users` and
//! `/api/v1/server/audit-logs`.

use crate::AppState;
use crate::api::body::Body;
use crate::html::{Chrome, Moment, Page, error_page, login_redirect, moment, on_form, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use ruche_domain::user::Role;
use ruche_tube::TubeError;
use ruche_tube::user_admin::{self, Change, UserFilter, UserOrder};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list))
        .route("/admin/users/{id}", post(change))
        .route("/admin/users/{id}/{action}", post(act))
        .route("/admin/audit-logs", get(audit))
}

const BACK: &str = "/admin/users";

struct Row {
    id: i64,
    username: String,
    email: String,
    role: i64,
    video_quota: i64,
    blocked: bool,
    blocked_reason: Option<String>,
    joined: Moment,
    /// The viewer may ban, change or delete them (PeerTube's rule: moderators manage users,
    /// administrators anyone but root).
    manageable: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    rows: Vec<Row>,
    total: i64,
    search: String,
    blocked_only: bool,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    search: Option<String>,
    blocked: Option<String>,
}

/// `GET /admin/users?search=…&blocked=true`: the newest 100 that match.
async fn list(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect(BACK);
    };
    let search = q.search.unwrap_or_default().trim().to_string();
    let blocked_only = q.blocked.as_deref() == Some("true");
    let f = UserFilter {
        search: (!search.is_empty()).then(|| search.clone()),
        blocked: blocked_only.then_some(true),
        order: UserOrder::Created,
        descending: true,
        start: 0,
        count: 100,
    };
    let (users, total) = match user_admin::list(&st.tube, &u, &f).await {
        Ok(v) => v,
        Err(e) => return error_page(chrome, e),
    };
    let rows = users
        .into_iter()
        .map(|t| Row {
            manageable: t.username != "root"
                && match u.role {
                    Role::Admin => true,
                    Role::Moderator => t.role == Role::User,
                    Role::User => false,
                },
            id: t.id,
            role: t.role.id(),
            joined: moment(&chrome.tr, t.created_at),
            username: t.username,
            email: t.email,
            video_quota: t.video_quota,
            blocked: t.blocked,
            blocked_reason: t.blocked_reason,
        })
        .collect();
    render(&UsersPage {
        chrome,
        rows,
        total,
        search,
        blocked_only,
    })
}

#[derive(Deserialize, Default)]
struct UserForm {
    #[serde(default)]
    csrf: String,
    reason: Option<String>,
    confirm: Option<String>,
    role: Option<i64>,
    video_quota: Option<String>,
}

/// `POST /admin/users/{id}`: a new quota (bytes, -1 unlimited) and, from administrators, role.
async fn change(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<i64>,
    Body(f): Body<UserForm>,
) -> Response {
    on_form(chrome, &user, BACK, &f.csrf, error_page, async |u| {
        let quota = match f.video_quota.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(q) => Some(q.parse::<i64>().map_err(|_| {
                TubeError::BadRequest("Incorrect request parameters: videoQuota".into())
            })?),
        };
        let role =
            match f.role {
                None => None,
                Some(r) => Some(Role::try_from(r).map_err(|_| {
                    TubeError::BadRequest("Incorrect request parameters: role".into())
                })?),
            };
        let target = user_admin::get(&st.tube, u, id).await?;
        let change = Change {
            video_quota: quota.filter(|q| *q != target.video_quota),
            role: role.filter(|r| *r != target.role),
            ..Change::default()
        };
        user_admin::update(&st.tube, u, id, change).await?;
        Ok(format!("#user-{id}"))
    })
    .await
}

/// `POST /admin/users/{id}/ban` (with an optional reason), `…/unban`, or `…/delete` (once the
/// user's name is typed).
async fn act(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((id, action)): Path<(i64, String)>,
    Body(f): Body<UserForm>,
) -> Response {
    let mismatch = chrome.tr.t("account-delete-mismatch");
    on_form(chrome, &user, BACK, &f.csrf, error_page, async |u| {
        match action.as_str() {
            "ban" => user_admin::ban(&st.tube, u, id, f.reason.as_deref()).await?,
            "unban" => user_admin::unban(&st.tube, u, id).await?,
            "delete" => {
                let target = user_admin::get(&st.tube, u, id).await?;
                if f.confirm.as_deref().map(str::trim) != Some(target.username.as_str()) {
                    return Err(TubeError::BadRequest(mismatch));
                }
                crate::api::delete_user_with_media(&st, id, user_admin::delete(&st.tube, u, id))
                    .await
                    .map_err(|e| e.0)?;
                return Ok(String::new());
            }
            _ => return Err(TubeError::NotFound("action")),
        }
        Ok(format!("#user-{id}"))
    })
    .await
}

struct AuditRow {
    when: Moment,
    who: String,
    domain: String,
    action: String,
    target: String,
    details: String,
}

#[derive(Template)]
#[template(path = "audit_log.html")]
struct AuditPage {
    chrome: Chrome,
    rows: Vec<AuditRow>,
}

/// `GET /admin/audit-logs`: the newest 200 entries (administrators).
async fn audit(State(st): State<AppState>, Page { chrome, user }: Page) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect("/admin/audit-logs");
    };
    let entries = match ruche_tube::audit::latest(&st.tube, &u, 200).await {
        Ok(v) => v,
        Err(e) => return error_page(chrome, e),
    };
    let rows = entries
        .into_iter()
        .map(|e| AuditRow {
            when: moment(&chrome.tr, e.at),
            who: e.username,
            domain: e.domain,
            action: e.action,
            target: e.target,
            details: e.details.unwrap_or_default(),
        })
        .collect();
    render(&AuditPage { chrome, rows })
}
