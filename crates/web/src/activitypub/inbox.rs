//! The inboxes (`/inbox`, shared, and each actor's): the body is read up to the configured
//! bound, then `ruche-tube` checks and takes the activity in. PeerTube answers 204 and applies
//! activities later; so do we. Refusals say why (401 for signatures, 403 for a signer that may
//! not say this, 400 for what is not an activity, 413 for too large) and change nothing.

use crate::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use ruche_tube::federation::inbox::{self, Incoming, Received, Refused};

/// An activity too large to read: refused, and the connection closed, since the rest of its body
/// is left unread (a client reusing the connection would read garbage, or nothing).
fn too_large() -> Response {
    let mut r = refusal(StatusCode::PAYLOAD_TOO_LARGE, "the activity is too large");
    r.headers_mut().insert(
        axum::http::header::CONNECTION,
        axum::http::HeaderValue::from_static("close"),
    );
    r
}

fn refusal(status: StatusCode, reason: &str) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "error": reason, "status": status.as_u16() })),
    )
        .into_response()
}

pub(crate) async fn post(
    State(st): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let max = st.tube.settings.federation.max_inbox_bytes;
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > max) {
        return too_large();
    }
    let Ok(bytes) = axum::body::to_bytes(body, max).await else {
        return too_large();
    };
    let path = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_string(), |p| p.as_str().to_string());
    let header = |name: &str| {
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    };
    let req = Incoming {
        method: method.as_str(),
        path_and_query: &path,
        header: &header,
        body: &bytes,
    };
    match inbox::receive(&st.tube, req).await {
        Ok(Received::Queued | Received::Duplicate | Received::Ignored) => {
            StatusCode::NO_CONTENT.into_response()
        }
        Err(Refused::Signature(why)) => {
            tracing::info!("inbox {path}: refused: {why}");
            refusal(StatusCode::UNAUTHORIZED, &why)
        }
        Err(Refused::Forbidden(why)) => {
            tracing::info!("inbox {path}: forbidden: {why}");
            refusal(StatusCode::FORBIDDEN, &why)
        }
        Err(Refused::Malformed(why)) => refusal(StatusCode::BAD_REQUEST, &why),
        Err(Refused::Tube(e)) => crate::error::ApiError(e).into_response(),
    }
}
