//! Errors as the API answers them (PeerTube's RFC 7807 JSON) and as pages show them.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ruche_tube::TubeError;

/// An error of an API handler.
#[derive(Debug)]
pub struct ApiError(pub TubeError);

impl<E: Into<TubeError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

pub fn status_of(e: &TubeError) -> StatusCode {
    match e {
        TubeError::BadRequest(_) | TubeError::InvalidGrant(_) => StatusCode::BAD_REQUEST,
        TubeError::Unauthorized => StatusCode::UNAUTHORIZED,
        TubeError::Forbidden(_) | TubeError::VideoPassword { .. } => StatusCode::FORBIDDEN,
        TubeError::NotFound(_) => StatusCode::NOT_FOUND,
        TubeError::Conflict(_) | TubeError::RangeMismatch { .. } => StatusCode::CONFLICT,
        TubeError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        TubeError::UnsupportedMedia(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        TubeError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
        TubeError::Picture(ruche_pages::images::ImageError::TooLarge { .. }) => {
            StatusCode::PAYLOAD_TOO_LARGE
        }
        TubeError::Picture(_) => StatusCode::BAD_REQUEST,
        // Said as such (WebDAV's status, as Nextcloud answers a full disk): nothing is wrong
        // with the request, and the same one later may pass.
        TubeError::DiskFull => StatusCode::INSUFFICIENT_STORAGE,
        // The other server's fault, said to the client as a gateway would (detail included:
        // "the instance did not answer" helps an admin who typed a host).
        TubeError::Remote(_) => StatusCode::BAD_GATEWAY,
        TubeError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        TubeError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
        TubeError::Store(_) | TubeError::Io(_) | TubeError::Internal(_) => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        // A full disk is said as such (and logged where it is detected, for the administrator).
        let said = matches!(self.0, TubeError::Busy { .. } | TubeError::DiskFull)
            || status == StatusCode::BAD_GATEWAY;
        let detail = if status.is_server_error() && !said {
            tracing::error!("{}", self.0);
            "Internal server error".to_string()
        } else {
            self.0.to_string()
        };
        let code = match &self.0 {
            TubeError::InvalidGrant(_) => Some("invalid_grant"),
            TubeError::TooLarge(_) => Some("quota_reached"),
            TubeError::VideoPassword { wrong: false } => Some("video_requires_password"),
            TubeError::VideoPassword { wrong: true } => Some("incorrect_video_password"),
            _ => None,
        };
        let mut body = problem_body(status, &detail);
        if let Some(code) = code {
            body["code"] = code.into();
        }
        let mut res = problem(status, body);
        set_retry_after(&mut res, &self.0);
        if let TubeError::RangeMismatch { received, .. } = &self.0
            && *received > 0
            && let Ok(v) = HeaderValue::from_str(&format!("bytes=0-{}", received - 1))
        {
            res.headers_mut().insert(header::RANGE, v);
        }
        res
    }
}

/// `Retry-After` on a 429 or 503 (the API's and the pages' alike).
pub fn set_retry_after(res: &mut Response, e: &TubeError) {
    if let TubeError::TooManyRequests { retry_after_secs } | TubeError::Busy { retry_after_secs } =
        e
    {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
    }
}

/// PeerTube's error JSON (RFC 9457 with its `error` and `docs`).
pub fn problem_body(status: StatusCode, detail: &str) -> serde_json::Value {
    serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "detail": detail,
        "status": status.as_u16(),
        "error": detail,
        "docs": "https://docs.joinpeertube.org/api-rest-reference.html",
    })
}

/// `body` as an error answer, `application/problem+json`.
pub fn problem(status: StatusCode, body: serde_json::Value) -> Response {
    let mut res = (status, Json(body)).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json; charset=utf-8"),
    );
    res
}

/// An API answer that is an error but not PeerTube's JSON (a path or query the extractors could
/// not read, a method the route has not): made PeerTube's error JSON, its status and headers
/// kept, its text as the detail. PeerTube's clients read every error as JSON.
pub async fn as_problem(res: Response) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    // Extractors' rejections are a sentence; anything longer is cut.
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let detail = if text.is_empty() {
        status.canonical_reason().unwrap_or("Error").to_string()
    } else {
        text
    };
    let body = problem_body(status, &detail).to_string();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json; charset=utf-8"),
    );
    Response::from_parts(parts, axum::body::Body::from(body))
}

#[cfg(test)]
mod disk_full_tests {
    use super::*;

    #[tokio::test]
    async fn a_full_disk_is_507_with_its_sentence() {
        assert_eq!(
            status_of(&TubeError::DiskFull),
            StatusCode::INSUFFICIENT_STORAGE
        );
        let io = std::io::Error::from(std::io::ErrorKind::StorageFull);
        let res = ApiError::from(io).into_response();
        assert_eq!(res.status(), StatusCode::INSUFFICIENT_STORAGE);
        let body = axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .expect("body");
        let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert!(
            json["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("The server's disk is full")),
            "{json}"
        );
    }
}
