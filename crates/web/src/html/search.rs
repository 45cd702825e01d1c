//! The search page (`/search?search=…`): the channels and videos that match, best first or as
//! sorted, narrowed by category and language; the header's search box leads here. A URL or a
//! handle finds that one video or channel (fetched from its instance for a logged-in user).

use super::browse::{Card, grid};
use super::{Chrome, Page, error_page, render};
use crate::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use ruche_domain::video::{CATEGORIES, LANGUAGES};
use ruche_tube::videos::{Facets, ListFilter, Sort};
use serde::Deserialize;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/search", get(search_page))
}

#[derive(Deserialize, Default)]
pub(super) struct SearchQuery {
    #[serde(default)]
    search: String,
    #[serde(default)]
    sort: String,
    category: Option<String>,
    language: Option<String>,
    page: Option<i64>,
}

/// A channel found, as the page links it.
pub(super) struct ChannelHit {
    href: String,
    name: String,
    handle: String,
}

#[derive(Template)]
#[template(path = "search.html")]
pub(super) struct SearchPage {
    chrome: Chrome,
    text: String,
    /// (value, label, chosen) of each choice.
    sorts: Vec<(&'static str, String, bool)>,
    categories: Vec<(i64, String, bool)>,
    languages: Vec<(&'static str, String, bool)>,
    channels: Vec<ChannelHit>,
    videos: Vec<Card>,
    prev_page: Option<i64>,
    next_page: Option<i64>,
    page_base: String,
}

pub(super) async fn search_page(
    State(st): State<AppState>,
    Page { chrome, user }: Page,
    Query(q): Query<SearchQuery>,
) -> Response {
    let text =
        ruche_domain::text::prefix_chars(q.search.trim(), ruche_tube::search::MAX_SEARCH_CHARS)
            .to_string();
    let (sort, desc) = match q.sort.as_str() {
        "-publishedAt" => (Sort::Published, true),
        "-views" => (Sort::Views, true),
        _ => (Sort::Match, true),
    };
    let category = q.category.as_deref().and_then(|c| c.parse::<i64>().ok());
    let language = q
        .language
        .as_deref()
        .filter(|l| LANGUAGES.iter().any(|(c, _)| c == l))
        .map(String::from);
    let filter = ListFilter {
        sort,
        newest_first: desc,
        facets: Facets {
            categories: category.into_iter().collect(),
            languages: language.clone().into_iter().collect(),
            ..Facets::default()
        },
        ..ListFilter::default()
    };
    let viewer = user.user.as_ref();
    let found = async {
        let channels = if text.is_empty() || q.page.unwrap_or(1) > 1 {
            Vec::new()
        } else {
            ruche_tube::search::channels(&st.tube, viewer, &text, 0, 6)
                .await?
                .0
        };
        let g = grid(&st, &chrome.tr, filter, q.page, viewer, Some(&text)).await?;
        Ok::<_, ruche_tube::TubeError>((channels, g))
    }
    .await;
    let (channels, g) = match found {
        Ok(f) => f,
        Err(e) => return error_page(chrome, e),
    };
    let tr = &chrome.tr;
    let enc = |s: &str| -> String { url::form_urlencoded::byte_serialize(s.as_bytes()).collect() };
    let mut page_base = format!("/search?search={}&sort={}", enc(&text), enc(&q.sort));
    if let Some(c) = category {
        page_base.push_str(&format!("&category={c}"));
    }
    if let Some(l) = &language {
        page_base.push_str(&format!("&language={l}"));
    }
    page_base.push('&');
    let t = SearchPage {
        sorts: [
            ("", tr.t("search-sort-match")),
            ("-publishedAt", tr.t("search-sort-newest")),
            ("-views", tr.t("search-sort-views")),
        ]
        .into_iter()
        .map(|(v, l)| (v, l, v == q.sort))
        .collect(),
        categories: CATEGORIES
            .iter()
            .map(|(i, _)| (*i, tr.t(&format!("category-{i}")), category == Some(*i)))
            .collect(),
        languages: LANGUAGES
            .iter()
            .map(|(c, _)| {
                (
                    *c,
                    tr.t(&format!("language-{c}")),
                    language.as_deref() == Some(*c),
                )
            })
            .collect(),
        channels: channels
            .into_iter()
            .map(|c| {
                let handle = match &c.host {
                    Some(h) => format!("{}@{h}", c.name),
                    None => c.name.clone(),
                };
                ChannelHit {
                    href: format!("/c/{handle}"),
                    name: c.display_name,
                    handle,
                }
            })
            .collect(),
        videos: g.videos,
        prev_page: g.prev_page,
        next_page: g.next_page,
        page_base,
        text,
        chrome,
    };
    render(&t)
}
