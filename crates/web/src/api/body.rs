//! Request bodies as PeerTube's server takes them: JSON, a urlencoded form, or multipart text
//! fields (its body-parser `json` and `urlencoded({ extended: true })`, multer's fields), chosen
//! by `Content-Type`, so that scripts written for PeerTube (`curl -d`, an HTML form) work here
//! unchanged. Lists come as qs makes them: `hosts[]=a`, `hosts[0]=a` or the key repeated.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use ruche_tube::TubeError;
use serde::de::DeserializeOwned;

/// A body read as JSON, a form or multipart fields; a 400 in PeerTube's error shape when it
/// cannot be read as `T`, 415 for any other kind of body.
pub struct Body<T>(pub T);

/// Fields a multipart body may hold.
const MAX_FIELDS: usize = 256;

fn invalid(e: impl std::fmt::Display) -> ApiError {
    ApiError(TubeError::BadRequest(format!("Invalid body: {e}")))
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let (body, _) = with_files(req, state, &[], 0).await?;
        Ok(body)
    }
}

/// Files sent along a multipart body, by field name, in the order they came.
pub type Files = Vec<(String, Bytes)>;

/// A body as [`Body`] reads it, and the files of a multipart body whose fields are named in
/// `file_fields` (each once, each at most `max_file` bytes: a larger one is 413, a file in any
/// other field 400).
pub async fn with_files<T: DeserializeOwned, S: Send + Sync>(
    req: Request,
    state: &S,
    file_fields: &[&str],
    max_file: usize,
) -> Result<(Body<T>, Files), ApiError> {
    let body = {
        let kind = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_default();
        match kind.as_str() {
            // No type at all is read as JSON, as most clients that send none mean it.
            "" | "application/json" => {
                let bytes = Bytes::from_request(req, state).await.map_err(invalid)?;
                serde_json::from_slice(&bytes).map(Body).map_err(invalid)
            }
            k if k.starts_with("application/") && k.ends_with("+json") => {
                let bytes = Bytes::from_request(req, state).await.map_err(invalid)?;
                serde_json::from_slice(&bytes).map(Body).map_err(invalid)
            }
            "application/x-www-form-urlencoded" => {
                let bytes = Bytes::from_request(req, state).await.map_err(invalid)?;
                from_fields(form_urlencoded::parse(&bytes))
            }
            "multipart/form-data" => {
                let mut m = Multipart::from_request(req, state).await.map_err(invalid)?;
                let mut fields: Vec<(String, String)> = Vec::new();
                let mut files: Files = Vec::new();
                while let Some(mut field) = m.next_field().await.map_err(invalid)? {
                    if fields.len() + files.len() >= MAX_FIELDS {
                        return Err(invalid("too many fields"));
                    }
                    let name = field.name().unwrap_or_default().to_string();
                    if field.file_name().is_some() {
                        if !file_fields.contains(&name.as_str()) {
                            return Err(invalid(format!("{name}: a file where text is expected")));
                        }
                        if files.iter().any(|(n, _)| *n == name) {
                            return Err(invalid(format!("{name}: one file only")));
                        }
                        let mut bytes = Vec::new();
                        while let Some(chunk) = field.chunk().await.map_err(invalid)? {
                            if bytes.len() + chunk.len() > max_file {
                                return Err(ApiError(TubeError::TooLarge(format!(
                                    "{name}: the file is larger than {} MB.",
                                    max_file / (1024 * 1024)
                                ))));
                            }
                            bytes.extend_from_slice(&chunk);
                        }
                        files.push((name, Bytes::from(bytes)));
                        continue;
                    }
                    let text = field.text().await.map_err(invalid)?;
                    fields.push((name, text));
                }
                return Ok((from_fields(fields)?, files));
            }
            other => Err(ApiError(TubeError::UnsupportedMedia(format!(
                "A body of type {other} is not read here: send JSON, a form or multipart."
            )))),
        }
    };
    Ok((body?, Vec::new()))
}

/// `name[]` and `name[<n>]` as `name`: qs's lists, which the form reader takes as a repeated key.
pub(crate) fn list_key(k: &str) -> &str {
    match k.find('[') {
        Some(i)
            if k.ends_with(']') && k[i + 1..k.len() - 1].bytes().all(|b| b.is_ascii_digit()) =>
        {
            &k[..i]
        }
        _ => k,
    }
}

fn from_fields<T: DeserializeOwned, K: AsRef<str>, V: AsRef<str>>(
    fields: impl IntoIterator<Item = (K, V)>,
) -> Result<Body<T>, ApiError> {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(list_key(k.as_ref()), v.as_ref());
    }
    serde_html_form::from_str(&s.finish())
        .map(Body)
        .map_err(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Follow {
        hosts: Vec<String>,
        video_quota: Option<i64>,
        nsfw: Option<bool>,
    }

    #[test]
    fn qs_lists_and_typed_values_are_read() {
        for q in [
            "hosts[]=a.example&hosts[]=b.example&videoQuota=5&nsfw=true",
            "hosts[0]=a.example&hosts[1]=b.example&videoQuota=5&nsfw=true",
            "hosts=a.example&hosts=b.example&videoQuota=5&nsfw=true",
        ] {
            let Body(f): Body<Follow> = from_fields(form_urlencoded::parse(q.as_bytes()))
                .unwrap_or_else(|e| panic!("{q}: {e:?}"));
            assert_eq!(
                f,
                Follow {
                    hosts: vec!["a.example".into(), "b.example".into()],
                    video_quota: Some(5),
                    nsfw: Some(true),
                },
                "{q}"
            );
        }
        assert!(
            from_fields::<Follow, _, _>(form_urlencoded::parse(b"hosts=a&videoQuota=five"))
                .is_err()
        );
    }
}
