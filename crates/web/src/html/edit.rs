//! *My videos* → Edit: every field of a video, its visibility (passwords and a publication
//! date included) and its thumbnail, uploaded or picked from a frame, in one form that calls
//! the same service as PeerTube's `PUT /api/v1/videos/{id}`.

use super::{Chrome, Page, error_page, form_user, login_redirect, refused_with, render};
use crate::AppState;
use crate::api::body::{Body, with_files};
use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use ruche_domain::video::{CATEGORIES, CommentsPolicy, LANGUAGES, LICENCES, Privacy};
use ruche_tube::accounts::User;
use ruche_tube::editing::{self, MAX_PICTURE_BYTES, PictureKind, VideoUpdate};
use ruche_tube::{TubeError, videos};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Template)]
#[template(path = "edit_video.html")]
pub(super) struct EditVideo {
    chrome: Chrome,
    title: String,
    id: i64,
    error: Option<String>,
    notice: Option<String>,
    scheduled: Option<String>,
    name: String,
    description: String,
    tags: String,
    support: String,
    passwords: String,
    /// (value, label, selected) of each choice.
    channels: Vec<(i64, String, bool)>,
    privacies: Vec<(i64, String, bool)>,
    categories: Vec<(i64, String, bool)>,
    licences: Vec<(i64, String, bool)>,
    languages: Vec<(&'static str, String, bool)>,
    nsfw: bool,
    /// (policy id, label, selected) of each comments policy.
    comments: Vec<(i64, String, bool)>,
    download: bool,
    original_date: String,
    thumbnail: Option<String>,
    /// A rendition the frame picker plays (the smallest), or empty.
    frame_source: String,
    duration: i64,
}

#[derive(Deserialize, Default)]
pub(super) struct Saved {
    saved: Option<String>,
}

/// `GET /my-videos/{id}/edit`.
pub(super) async fn edit_page(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<i64>,
    Query(q): Query<Saved>,
) -> Response {
    let Some(u) = user.user.clone() else {
        return login_redirect(&format!("/my-videos/{id}/edit"));
    };
    let notice = q.saved.map(|_| chrome.tr.t("edit-saved"));
    view(&st, chrome, &u, id, None, notice).await
}

async fn view(
    st: &AppState,
    chrome: Chrome,
    u: &User,
    id: i64,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let found = async {
        let v = editing::managed(&st.tube, u, &id.to_string()).await?;
        let files = videos::files(&st.tube, v.id).await?;
        let passwords = if v.privacy == Privacy::PasswordProtected {
            editing::passwords(&st.tube, u, &id.to_string(), 0, 100, false)
                .await?
                .0
                .into_iter()
                .map(|p| p.password)
                .collect::<Vec<_>>()
        } else {
            Vec::new()
        };
        let schedule = editing::schedule_of(&st.tube, v.id).await?;
        // The owner moves it among their channels; a moderator sees its channel only.
        let channels = if v.user_id == Some(u.id) {
            ruche_tube::accounts::me(&st.tube, u.clone())
                .await?
                .channels
        } else {
            Vec::new()
        };
        Ok::<_, TubeError>((v, files, passwords, schedule, channels))
    }
    .await;
    let (v, files, passwords, schedule, owned) = match found {
        Ok(f) => f,
        Err(e) => return error_page(chrome, e),
    };
    let tr = &chrome.tr;
    let mut channels: Vec<(i64, String, bool)> = owned
        .iter()
        .map(|c| (c.id, c.display_name.clone(), c.id == v.channel_id))
        .collect();
    if channels.is_empty() {
        channels.push((v.channel_id, v.channel_display_name.clone(), true));
    }
    let play = ruche_tube::playback::of(&st.tube.settings.public_url, &v, &files);
    let tags: Vec<String> = serde_json::from_str(&v.tags).unwrap_or_default();
    let t = EditVideo {
        title: tr.t1("edit-title", "name", &v.name),
        id,
        error,
        notice,
        scheduled: schedule.and_then(|s| {
            let at = chrono::DateTime::from_timestamp_millis(s.update_at)?;
            Some(tr.t1(
                "edit-schedule-set",
                "date",
                &super::full_date(tr, &at).unwrap_or_else(|| at.to_rfc3339()),
            ))
        }),
        name: v.name.clone(),
        description: v.description.clone().unwrap_or_default(),
        tags: tags.join(", "),
        support: v.support.clone().unwrap_or_default(),
        passwords: passwords.join("\n"),
        channels,
        privacies: Privacy::ALL
            .iter()
            .map(|p| {
                (
                    p.id(),
                    tr.t(&format!("privacy-{}", p.id())),
                    *p == v.privacy,
                )
            })
            .collect(),
        categories: CATEGORIES
            .iter()
            .map(|(i, _)| (*i, tr.t(&format!("category-{i}")), v.category == Some(*i)))
            .collect(),
        licences: LICENCES
            .iter()
            .map(|(i, _)| (*i, tr.t(&format!("licence-{i}")), v.licence == Some(*i)))
            .collect(),
        languages: LANGUAGES
            .iter()
            .map(|(c, _)| {
                (
                    *c,
                    tr.t(&format!("language-{c}")),
                    v.language.as_deref() == Some(*c),
                )
            })
            .collect(),
        nsfw: v.nsfw,
        comments: [
            CommentsPolicy::Enabled,
            CommentsPolicy::RequiresApproval,
            CommentsPolicy::Disabled,
        ]
        .into_iter()
        .map(|p| {
            (
                p.id(),
                tr.t(&format!("edit-comments-{}", p.id())),
                p == v.comments_policy,
            )
        })
        .collect(),
        download: v.download_enabled,
        original_date: v
            .originally_published_at
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        thumbnail: ruche_tube::playback::pictures(&v).0,
        frame_source: play
            .files
            .iter()
            .filter(|f| f.has_video)
            .min_by_key(|f| f.resolution)
            .map(|f| f.url.clone())
            .unwrap_or_default(),
        duration: v.duration,
        chrome,
    };
    render(&t)
}

/// The edit form as a browser sends it. A checkbox left unticked is absent: here it means
/// "off", where the API's absent field means "unchanged".
#[derive(Deserialize, Default)]
pub(super) struct EditForm {
    #[serde(default)]
    csrf: String,
    name: Option<String>,
    description: Option<String>,
    tags: Option<String>,
    #[serde(rename = "channelId")]
    channel_id: Option<String>,
    privacy: Option<String>,
    passwords: Option<String>,
    category: Option<String>,
    licence: Option<String>,
    language: Option<String>,
    support: Option<String>,
    nsfw: Option<String>,
    comments: Option<String>,
    download: Option<String>,
    originally_published_at: Option<String>,
    /// A `datetime-local` value, in the browser's time zone…
    schedule_at: Option<String>,
    /// …which is this many minutes behind UTC (`getTimezoneOffset`); UTC without it.
    tz_offset: Option<String>,
}

impl EditForm {
    fn update(self) -> Result<VideoUpdate, TubeError> {
        let text = |s: Option<String>| s.map(Value::String);
        let mut u = VideoUpdate {
            name: text(self.name),
            description: text(self.description),
            support: text(self.support),
            channel_id: text(self.channel_id),
            privacy: text(self.privacy),
            category: text(self.category),
            licence: text(self.licence),
            language: text(self.language),
            originally_published_at: text(self.originally_published_at),
            nsfw: Some(Value::Bool(self.nsfw.is_some())),
            comments_policy: text(self.comments),
            download_enabled: Some(Value::Bool(self.download.is_some())),
            tags: self.tags.map(|t| {
                t.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            }),
            ..VideoUpdate::default()
        };
        let passwords: Vec<String> = self
            .passwords
            .unwrap_or_default()
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        if u.privacy.as_ref().and_then(Value::as_str) == Some("5") && !passwords.is_empty() {
            u.video_passwords = Some(passwords);
        }
        if let Some(at) = self.schedule_at.filter(|s| !s.trim().is_empty()) {
            let local = chrono::NaiveDateTime::parse_from_str(at.trim(), "%Y-%m-%dT%H:%M")
                .or_else(|_| chrono::NaiveDateTime::parse_from_str(at.trim(), "%Y-%m-%dT%H:%M:%S"))
                .map_err(|_| {
                    TubeError::BadRequest("Incorrect request parameters: schedule date".into())
                })?;
            let offset: i64 = self
                .tz_offset
                .and_then(|o| o.trim().parse().ok())
                .filter(|o: &i64| o.abs() <= 24 * 60)
                .unwrap_or(0);
            let utc = local.and_utc() + chrono::Duration::minutes(offset);
            // Private until then, public from then on.
            u.privacy = Some(json!(Privacy::Private.id()));
            u.video_passwords = None;
            u.schedule_update = Some(json!({
                "updateAt": utc.to_rfc3339(),
                "privacy": Privacy::Public.id(),
            }));
        }
        Ok(u)
    }
}

/// `POST /my-videos/{id}/edit` (multipart): saved, then back to the form with a notice; a
/// refusal shows the form again with the reason, nothing changed.
pub(super) async fn save(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Path(id): Path<i64>,
    req: Request,
) -> Response {
    let fields = [PictureKind::Thumbnail.field()];
    let (Body(f), files) =
        match with_files::<EditForm, _>(req, &st, &fields, MAX_PICTURE_BYTES).await {
            Ok(r) => r,
            Err(e) => return error_page(chrome, e.0),
        };
    let next = format!("/my-videos/{id}/edit");
    let (chrome, u) = match form_user(chrome, &user, &f.csrf, &next) {
        Ok(v) => v,
        Err(refusal) => return refusal,
    };
    let pictures = files
        .into_iter()
        .filter(|(_, b)| !b.is_empty())
        .filter_map(|(n, b)| PictureKind::from_field(&n).map(|k| (k, b.to_vec())))
        .collect();
    let done = match f.update() {
        Ok(update) => editing::update(&st.tube, &u, &id.to_string(), update, pictures).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Redirect::to(&format!("{next}?saved")).into_response(),
        Err(e) if crate::error::status_of(&e).is_client_error() => {
            let message = match &e {
                TubeError::Picture(p) => chrome.tr.t(p.key()),
                e => e.to_string(),
            };
            let page = view(&st, chrome, &u, id, Some(message), None).await;
            refused_with(&e, page)
        }
        Err(e) => error_page(chrome, e),
    }
}
