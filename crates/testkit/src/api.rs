//! PeerTube's REST API of one instance, spoken as one client speaks it: anonymously, or with
//! the token of a login. Answers are (status, JSON), JSON `null` when the body is none.

use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};
use std::path::Path;

/// One client of one instance's API.
#[derive(Clone)]
pub struct Api {
    /// The instance's URL.
    pub url: String,
    pub http: reqwest::Client,
    /// The access token requests carry, if any.
    pub token: Option<String>,
}

/// The status and JSON body of an answer (`null` if it has none).
async fn answer(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

impl Api {
    /// An anonymous client of the instance at `url`.
    pub fn new(url: &str, http: reqwest::Client) -> Api {
        Api {
            url: url.to_string(),
            http,
            token: None,
        }
    }

    /// The same instance, as the holder of `token`.
    pub fn with(&self, token: &str) -> Api {
        Api {
            token: Some(token.to_string()),
            ..self.clone()
        }
    }

    /// This client's token; fails the test if it has none.
    pub fn token(&self) -> &str {
        self.token.as_deref().expect("a logged-in client")
    }

    /// A request of `path` (below the instance's URL), with the token if any.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let r = self.http.request(method, format!("{}{path}", self.url));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    /// A request with an optional JSON body: (status, JSON).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut r = self.request(method, path);
        if let Some(b) = body {
            r = r.json(&b);
        }
        answer(r.send().await.expect("request")).await
    }

    /// The status of a GET of `path`.
    pub async fn status(&self, path: &str) -> u16 {
        let res = self.request(Method::GET, path).send().await.expect("GET");
        res.status().as_u16()
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None).await
    }

    /// A POST without a body.
    pub async fn post(&self, path: &str) -> (u16, Value) {
        self.call(Method::POST, path, None).await
    }

    pub async fn post_json(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put_json(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.call(Method::DELETE, path, None).await
    }

    /// The instance's local OAuth client: (id, secret).
    pub async fn oauth_client(&self) -> (String, String) {
        let (status, c) = self.get_json("/api/v1/oauth-clients/local").await;
        assert_eq!(status, 200, "{c}");
        let field = |k: &str| c[k].as_str().expect("an OAuth client").to_string();
        (field("client_id"), field("client_secret"))
    }

    /// Logs `username` in through PeerTube's OAuth password flow: the same instance as them.
    pub async fn login(&self, username: &str, password: &str) -> Api {
        let (status, body) = self.try_login(username, password).await;
        assert_eq!(status, 200, "login of {username} failed: {body}");
        self.with(body["access_token"].as_str().expect("access_token"))
    }

    /// A password login's status and answer, whatever they are.
    pub async fn try_login(&self, username: &str, password: &str) -> (u16, Value) {
        let (id, secret) = self.oauth_client().await;
        let res = self
            .http
            .post(format!("{}/api/v1/users/token", self.url))
            .form(&[
                ("client_id", id.as_str()),
                ("client_secret", secret.as_str()),
                ("grant_type", "password"),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await
            .expect("token");
        answer(res).await
    }

    /// Creates a user (role User, password `secret-pass`) as this client (an administrator):
    /// the new user's client and default channel id.
    pub async fn create_user(&self, name: &str, quota: i64) -> (Api, i64) {
        let (status, body) = self
            .post_json(
                "/api/v1/users",
                json!({ "username": name, "email": format!("{name}@example.org"),
                        "password": "secret-pass", "role": 2, "videoQuota": quota,
                        "videoQuotaDaily": -1 }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let user = self.login(name, "secret-pass").await;
        let (_, me) = user.get_json("/api/v1/users/me").await;
        let channel = me["videoChannels"][0]["id"].as_i64().expect("channel id");
        (user, channel)
    }

    /// A legacy multipart upload of `file` into `channel_id`, with extra metadata `fields`
    /// (`privacy`, `description`…): (status, body).
    pub async fn upload(
        &self,
        file: &Path,
        channel_id: i64,
        name: &str,
        fields: &[(&str, &str)],
    ) -> (u16, Value) {
        let bytes = std::fs::read(file).expect("read clip");
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(
                file.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            )
            .mime_str("video/mp4")
            .expect("mime");
        let mut form = reqwest::multipart::Form::new()
            .text("name", name.to_string())
            .text("channelId", channel_id.to_string());
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        let form = form.part("videofile", part);
        let res = self
            .request(Method::POST, "/api/v1/videos/upload")
            .multipart(form)
            .send()
            .await
            .expect("upload");
        answer(res).await
    }

    /// Starts a resumable upload of `size` bytes in `channel` (PeerTube's uploadx `POST`):
    /// (status, Location, body).
    pub async fn init_resumable(
        &self,
        channel: i64,
        size: usize,
        name: &str,
    ) -> (u16, String, Value) {
        let res = self
            .request(Method::POST, "/api/v1/videos/upload-resumable")
            .header("X-Upload-Content-Length", size.to_string())
            .header("X-Upload-Content-Type", "video/mp4")
            .json(&json!({ "name": name, "channelId": channel, "filename": "clip.mp4", "privacy": 1 }))
            .send()
            .await
            .expect("upload-resumable");
        let location = res
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap_or_default().to_string())
            .unwrap_or_default();
        let (status, body) = answer(res).await;
        (status, location, body)
    }
}
