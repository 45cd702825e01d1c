//! The administrators' federation page (`/admin/follows`): whom the instance follows (follow
//! an instance by its host, or an actor by its handle; stop following), "copy the follows of
//! another instance", and who follows it (accept or reject a follow held for approval, remove a
//! follower). The same services as PeerTube's `/api/v1/server/follow…` API, through forms.

use crate::AppState;
use crate::html::{Chrome, CsrfForm, Page, error_page, form_user, login_redirect, render};
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ruche_domain::urls;
use ruche_domain::user::Role;
use ruche_federation::ap;
use ruche_tube::TubeError;
use ruche_tube::federation::follows::{self, Side};
use ruche_tube::federation::{self as fed};
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
    state: &'static str,
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
    /// The tracker's counts in a sentence, or that P2P is off.
    p2p: String,
}

#[derive(Deserialize, Default)]
struct Notice {
    notice: Option<String>,
    /// Why the last action failed: one of [`FAILURES`], said with `host`.
    error: Option<String>,
    host: Option<String>,
}

/// The reasons an action of this page may fail, each a `follows-error-<reason>` sentence.
const FAILURES: &[&str] = &[
    "empty",
    "invalid",
    "self",
    "refused",
    "unknown-host",
    "timeout",
    "forbidden",
    "tls",
    "unreachable",
    "status",
    "not-instance",
    "not-found",
    "other",
];

/// Why `e` happened, as one of [`FAILURES`]. The error itself (a chain of causes in English)
/// is for the log, never for the page or its URL.
fn failure(e: &TubeError) -> &'static str {
    match e {
        TubeError::BadRequest(m) if m.contains("itself") => "self",
        TubeError::BadRequest(_) => "invalid",
        TubeError::NotFound(_) => "not-found",
        TubeError::Remote(m) => {
            let m = m.to_ascii_lowercase();
            let has = |words: &[&str]| words.iter().any(|w| m.contains(w));
            if has(&["connection refused"]) {
                "refused"
            } else if has(&[
                "dns error",
                "failed to lookup",
                "name or service not known",
                "name resolution",
                "no address associated",
            ]) {
                "unknown-host"
            } else if has(&["took too long", "timed out", "timeout"]) {
                "timeout"
            } else if has(&["non-public address"]) {
                "forbidden"
            } else if has(&["certificate", "tls", "ssl"]) {
                "tls"
            } else if has(&["answered with status"]) {
                "status"
            } else if has(&["network error", "only https", "redirect", "too large"]) {
                "unreachable"
            } else {
                // It answered, but not with what an instance serves (JSON, an actor…).
                "not-instance"
            }
        }
        _ => "other",
    }
}

/// The host or handle a form was about, as the page may say it back.
fn target_host(target: &str) -> String {
    let t = target.trim().trim_end_matches('/');
    let t = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .unwrap_or(t);
    t.chars().take(100).collect()
}

async fn rows(st: &AppState, chrome: &Chrome, side: Side) -> Result<Vec<Row>, TubeError> {
    let (list, _) = follows::of_instance(&st.tube, side, None, 0, 1000).await?;
    let mut out = Vec::with_capacity(list.len());
    for f in list {
        let other = match side {
            Side::Followers => &f.follower,
            Side::Following => &f.following,
        };
        let handle = match follows::known_actor(&st.tube, other).await? {
            Some(a) => format!("{}@{}", a.username, a.host),
            None => ap::host_of(other).unwrap_or_else(|| other.clone()),
        };
        out.push(Row {
            id: f.id,
            handle,
            state_text: chrome.tr.t(&format!("follows-state-{}", f.state)),
            state: f.state.as_str(),
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
            p2p: if st.tube.tracker.enabled() {
                let s = st.tube.tracker.stats();
                chrome.tr.tn(
                    "admin-p2p-stats",
                    &[
                        ("swarms", &s.swarms),
                        ("peers", &s.peers),
                        ("connections", &s.connections),
                    ],
                )
            } else {
                chrome.tr.t("admin-p2p-off")
            },
            following,
            followers,
            auto_accept: st.tube.settings.federation.auto_accept_instance_followers,
            notice: q
                .notice
                .filter(|n| ["followed", "copied", "unfollowed", "decided"].contains(&n.as_str()))
                .map(|n| chrome.tr.t(&format!("follows-notice-{n}"))),
            error: q.error.filter(|e| FAILURES.contains(&e.as_str())).map(|e| {
                let host = q.host.as_deref().map(target_host).unwrap_or_default();
                chrome.tr.t1(&format!("follows-error-{e}"), "host", &host)
            }),
            chrome,
        }),
        Err(e) => error_page(chrome, e),
    }
}

/// Back to the page with a notice (a catalogue key), or with why it failed about `host` (a
/// reason of [`FAILURES`]; the error itself goes to the log).
fn back(result: Result<&str, TubeError>, host: &str) -> Response {
    let to = match result {
        Ok(notice) => format!("/admin/follows?notice={notice}"),
        Err(e) => {
            let reason = failure(&e);
            tracing::warn!("federation page: {host}: {e}");
            let host: String =
                url::form_urlencoded::byte_serialize(target_host(host).as_bytes()).collect();
            format!("/admin/follows?error={reason}&host={host}")
        }
    };
    Redirect::to(&to).into_response()
}

/// The administrator of a form post, or the answer that refuses it.
#[allow(clippy::result_large_err)] // The error is the answer itself.
fn admin(chrome: Chrome, user: &crate::auth::MaybeUser, csrf: &str) -> Result<(), Response> {
    let (chrome, u) = form_user(chrome, user, csrf, "/admin/follows")?;
    if u.role != Role::Admin {
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
        return Redirect::to("/admin/follows?error=empty").into_response();
    }
    // One at a time, so a failure names the host it is about.
    for t in &targets {
        if let Err(e) = follows::follow_hosts(&st.tube, std::slice::from_ref(t)).await {
            return back(Err(e), t);
        }
    }
    back(Ok("followed"), "")
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
        &f.target,
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
    let me = urls::instance_actor(fed::base(&st.tube));
    let found = follows::by_id(&st.tube, id)
        .await
        .and_then(|f| match f.follower == me {
            true => Ok(f),
            false => Err(TubeError::NotFound("follow")),
        });
    let (result, host) = match found {
        Ok(f) => (
            follows::unfollow_actor(&st.tube, fed::Signer::Instance, &f.following).await,
            ap::host_of(&f.following).unwrap_or_default(),
        ),
        Err(e) => (Err(e), String::new()),
    };
    back(result.map(|_| "unfollowed"), &host)
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
        _ => return back(Err(TubeError::NotFound("action")), ""),
    };
    back(
        follows::decide(&st.tube, id, d).await.map(|_| "decided"),
        "",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_named_by_their_cause() {
        let remote = |m: &str| TubeError::Remote(m.into());
        for (e, reason) in [
            (
                remote(
                    "127.0.0.1:9: network error: error sending request for url (http://127.0.0.1:9/.well-known/webfinger?resource=acct:peertube@127.0.0.1:9): client error (Connect): tcp connect error: Connection refused (os error 111)",
                ),
                "refused",
            ),
            (
                remote(
                    "video.example.org: network error: error sending request: client error (Connect): dns error: failed to lookup address information: Name or service not known",
                ),
                "unknown-host",
            ),
            (
                remote("slow.example: the server took too long to answer"),
                "timeout",
            ),
            (
                remote("lan.example: refusing to connect to the non-public address 10.0.0.1"),
                "forbidden",
            ),
            (
                remote(
                    "bad.example: network error: error sending request: client error (Connect): invalid peer certificate: Expired",
                ),
                "tls",
            ),
            (
                remote("gone.example: the server answered with status 404"),
                "status",
            ),
            (
                remote("blog.example: WebFinger did not answer JSON"),
                "not-instance",
            ),
            (
                TubeError::BadRequest("\"a/b\" is not a host".into()),
                "invalid",
            ),
            (
                TubeError::BadRequest("an instance cannot follow itself".into()),
                "self",
            ),
            (TubeError::NotFound("follow"), "not-found"),
            (TubeError::Internal("boom".into()), "other"),
        ] {
            assert_eq!(failure(&e), reason, "{e}");
            assert!(FAILURES.contains(&reason));
        }
    }

    #[test]
    fn every_failure_has_its_sentence_in_both_languages() {
        let i18n = crate::i18n::I18n::load();
        for lang in ["en", "fr"] {
            for f in FAILURES {
                let key = format!("follows-error-{f}");
                let s = i18n.message(lang, &key, &[("host", "video.example.org")]);
                assert_ne!(s, key, "{lang}: {key}");
                assert!(!s.contains("{"), "{lang}: {s}");
            }
        }
    }

    #[test]
    fn the_host_said_back_is_the_one_typed() {
        assert_eq!(
            target_host(" https://video.example.org/ "),
            "video.example.org"
        );
        assert_eq!(target_host("name@host.example"), "name@host.example");
        assert_eq!(target_host(&"a".repeat(300)).len(), 100);
    }
}
