//! The administrators' federation page (`/admin/follows`): whom the instance follows (follow
//! an instance by its host, or an actor by its handle; stop following), "copy the follows of
//! another instance", and who follows it (accept or reject a follow held for approval, remove a
//! follower). The same services as PeerTube's `/api/v1/server/follow…` API, through forms.

use crate::AppState;
use crate::pages::{Chrome, CsrfForm, Page, error_page, form_user, login_redirect, render};
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ruche_domain::user::Role;
use ruche_federation::ap;
use ruche_store::federation::{self as fstore, Side};
use ruche_tube::TubeError;
use ruche_tube::federation::{self as fed, follows};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/follows", get(page))
        .route("/admin/follows/follow", post(follow))
        .route("/admin/follows/copy", post(copy))
        .route("/admin/follows/unfollow/{id}", post(unfollow))
        .route("/admin/follows/followers/{id}/{action}", post(decide))
}

struct Row {
    id: i64,
    /// `name@host` of the other end.
    handle: String,
    state: String,
    state_text: String,
}

#[derive(Template)]
#[template(path = "follows.html")]
struct FollowsPage {
    chrome: Chrome,
    following: Vec<Row>,
    followers: Vec<Row>,
    auto_accept: bool,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct Notice {
    notice: Option<String>,
    error: Option<String>,
}

async fn rows(st: &AppState, chrome: &Chrome, side: Side) -> Result<Vec<Row>, TubeError> {
    let me = fed::instance_url(fed::base(&st.tube));
    let mut c = st.tube.store.read().await?;
    let (list, _) = fstore::follows_of(c.ex(), &me, side, None, 0, 1000).await?;
    let mut out = Vec::with_capacity(list.len());
    for f in list {
        let other = match side {
            Side::Followers => &f.follower,
            Side::Following => &f.following,
        };
        let handle = match fstore::actor_by_url(c.ex(), other).await? {
            Some(a) => format!("{}@{}", a.username, a.host),
            None => ap::host_of(other).unwrap_or_else(|| other.clone()),
        };
        out.push(Row {
            id: f.id,
            handle,
            state_text: chrome.tr.t(&format!("follows-state-{}", f.state)),
            state: f.state,
        });
    }
    Ok(out)
}

async fn page(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Query(q): Query<Notice>,
) -> Response {
    if user.user.is_none() {
        return login_redirect("/admin/follows");
    }
    if !chrome.is_admin {
        let msg = chrome.tr.t("error-forbidden");
        return error_page(chrome, TubeError::Forbidden(msg));
    }
    let lists = async {
        Ok::<_, TubeError>((
            rows(&st, &chrome, Side::Following).await?,
            rows(&st, &chrome, Side::Followers).await?,
        ))
    }
    .await;
    match lists {
        Ok((following, followers)) => render(&FollowsPage {
            following,
            followers,
            auto_accept: st.tube.settings.federation.auto_accept_instance_followers,
            notice: q
                .notice
                .map(|n| chrome.tr.t(&format!("follows-notice-{n}"))),
            error: q.error,
            chrome,
        }),
        Err(e) => error_page(chrome, e),
    }
}

/// Back to the page with a notice (a catalogue key) or an error (the service's own words).
fn back(result: Result<&str, TubeError>) -> Response {
    let to = match result {
        Ok(notice) => format!("/admin/follows?notice={notice}"),
        Err(e) => {
            let msg: String = e.to_string().chars().take(300).collect();
            format!(
                "/admin/follows?error={}",
                url::form_urlencoded::byte_serialize(msg.as_bytes()).collect::<String>()
            )
        }
    };
    Redirect::to(&to).into_response()
}

/// The administrator of a form post, or the answer that refuses it.
#[allow(clippy::result_large_err)] // The error is the answer itself.
fn admin(chrome: Chrome, user: &crate::auth::MaybeUser, csrf: &str) -> Result<(), Response> {
    let (chrome, u) = form_user(chrome, user, csrf, "/admin/follows")?;
    if Role::from_id(u.role) != Some(Role::Admin) {
        let msg = chrome.tr.t("error-forbidden");
        return Err(error_page(chrome, TubeError::Forbidden(msg)));
    }
    Ok(())
}

#[derive(Deserialize)]
struct TargetForm {
    csrf: String,
    target: String,
}

async fn follow(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Form(f): Form<TargetForm>,
) -> Response {
    if let Err(r) = admin(chrome, &user, &f.csrf) {
        return r;
    }
    let targets: Vec<String> = f
        .target
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    if targets.is_empty() {
        return back(Err(TubeError::BadRequest(
            "Give a host or a handle to follow.".into(),
        )));
    }
    back(
        follows::follow_hosts(&st.tube, &targets)
            .await
            .map(|_| "followed"),
    )
}

async fn copy(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Form(f): Form<TargetForm>,
) -> Response {
    if let Err(r) = admin(chrome, &user, &f.csrf) {
        return r;
    }
    back(
        follows::copy_follows(&st.tube, &f.target)
            .await
            .map(|_| "copied"),
    )
}

async fn unfollow(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = admin(chrome, &user, &f.csrf) {
        return r;
    }
    let me = fed::instance_url(fed::base(&st.tube));
    let found = async {
        let mut c = st.tube.store.read().await?;
        fstore::follow_by_id(c.ex(), id)
            .await?
            .filter(|f| f.follower == me)
            .ok_or(TubeError::NotFound("follow"))
    }
    .await;
    let result = match found {
        Ok(f) => follows::unfollow_actor(&st.tube, fed::Signer::Instance, &f.following).await,
        Err(e) => Err(e),
    };
    back(result.map(|_| "unfollowed"))
}

async fn decide(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = admin(chrome, &user, &f.csrf) {
        return r;
    }
    let d = match action.as_str() {
        "accept" => follows::Decision::Accept,
        "reject" => follows::Decision::Reject,
        "remove" => follows::Decision::Remove,
        _ => return back(Err(TubeError::NotFound("action"))),
    };
    back(follows::decide(&st.tube, id, d).await.map(|_| "decided"))
}
