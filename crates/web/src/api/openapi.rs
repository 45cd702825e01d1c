//! Our OpenAPI 3 document (`/api/v1/openapi.json`), made from the route table itself: every
//! route of `api::routes` is registered through [`Table::op`] with its method, a summary and
//! what it answers, so the document lists exactly what the router serves (a test sends each
//! listed method to the router and every unlisted one too, and checks which are refused as 405).
//! The schemas are those of the objects we answer, in PeerTube's shapes; schemathesis checks
//! our answers against them (`tests/contract/fuzz.sh`).

use crate::AppState;
use axum::Json;
use axum::Router;
use axum::routing::MethodRouter;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// What an operation answers when it succeeds.
#[derive(Clone, Copy)]
pub(crate) enum Reply {
    /// 200 with one object of this schema.
    One(&'static str),
    /// 200 with `{total, data: [...]}` of this schema.
    List(&'static str),
    /// 200 with some JSON.
    Json,
    /// 204.
    Nothing,
}

/// What an operation takes beside its path.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Takes {
    Plain,
    /// `start`, `count`, `sort`.
    Page,
    /// A JSON (or form) body.
    Body,
    /// A multipart upload (left out of fuzzing).
    Upload,
}

pub(crate) struct Op {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub takes: Takes,
    pub reply: Reply,
    /// Whether it needs a bearer token.
    pub auth: bool,
}

/// The router and the list of what it serves, built together.
#[derive(Default)]
pub(crate) struct Table {
    router: Router<AppState>,
    pub ops: Vec<Op>,
}

impl Table {
    /// Serves `route` at `path` (its method is `method`) and lists it.
    #[allow(clippy::too_many_arguments)]
    pub fn op(
        mut self,
        method: &'static str,
        path: &'static str,
        summary: &'static str,
        takes: Takes,
        reply: Reply,
        auth: bool,
        route: MethodRouter<AppState>,
    ) -> Table {
        self.router = self.router.route(path, route);
        self.ops.push(Op {
            method,
            path,
            summary,
            takes,
            reply,
            auth,
        });
        self
    }

    /// The router, with the document at `/api/v1/openapi.json`; every error it answers is
    /// PeerTube's error JSON (`error::as_problem`).
    pub fn into_router(self) -> Router<AppState> {
        let doc = Arc::new(document(&self.ops));
        self.router
            .route(
                "/api/v1/openapi.json",
                axum::routing::get(move || {
                    let doc = doc.clone();
                    async move { Json((*doc).clone()) }
                }),
            )
            .layer(axum::middleware::map_response(crate::error::as_problem))
    }
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The OpenAPI document of `ops`.
pub(crate) fn document(ops: &[Op]) -> Value {
    let mut paths = Map::new();
    for op in ops {
        let mut params = Vec::new();
        for seg in op.path.split('/') {
            if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                params.push(json!({
                    "name": name, "in": "path", "required": true, "schema": { "type": "string" }
                }));
            }
        }
        if op.takes == Takes::Page {
            params.push(json!({ "name": "start", "in": "query", "schema": { "type": "integer", "minimum": 0 } }));
            params.push(json!({ "name": "count", "in": "query", "schema": { "type": "integer", "minimum": 0, "maximum": 100 } }));
            params.push(json!({ "name": "sort", "in": "query", "schema": { "type": "string" } }));
        }
        let mut responses = Map::new();
        let ok = match op.reply {
            Reply::One(s) => {
                json!({ "description": "OK", "content": { "application/json": { "schema": schema_ref(s) } } })
            }
            Reply::List(s) => {
                json!({ "description": "OK", "content": { "application/json": { "schema": {
                "type": "object", "required": ["total", "data"],
                "properties": { "total": { "type": "integer" }, "data": { "type": "array", "items": schema_ref(s) } }
            } } } })
            }
            Reply::Json => {
                json!({ "description": "OK", "content": { "application/json": { "schema": {} } } })
            }
            Reply::Nothing => json!({ "description": "Done" }),
        };
        let code = if matches!(op.reply, Reply::Nothing) {
            "204"
        } else {
            "200"
        };
        responses.insert(code.into(), ok);
        responses.insert(
            "default".into(),
            json!({ "description": "An error, in PeerTube's shape (RFC 9457)", "content": {
                "application/problem+json": { "schema": schema_ref("Error") },
                "application/json": { "schema": schema_ref("Error") },
            } }),
        );
        let mut operation = json!({
            "summary": op.summary,
            "operationId": format!("{} {}", op.method, op.path),
            "parameters": params,
            "responses": responses,
        });
        match op.takes {
            Takes::Body => {
                operation["requestBody"] = json!({ "content": {
                    "application/json": { "schema": { "type": "object" } },
                    "application/x-www-form-urlencoded": { "schema": { "type": "object" } },
                } });
            }
            Takes::Upload => {
                operation["requestBody"] = json!({ "content": {
                    "multipart/form-data": { "schema": { "type": "object" } },
                } });
                operation["x-upload"] = json!(true);
            }
            Takes::Plain | Takes::Page => {}
        }
        if op.auth {
            operation["security"] = json!([{ "OAuth2": [] }]);
        }
        let entry = paths
            .entry(op.path.to_string())
            .or_insert_with(|| json!({}));
        entry[op.method.to_ascii_lowercase()] = operation;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Ruche",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "PeerTube's REST API as Ruche serves it. Made from the routes themselves.",
            "license": { "name": "AGPL-3.0-or-later" },
        },
        "paths": paths,
        "components": {
            "securitySchemes": { "OAuth2": { "type": "http", "scheme": "bearer" } },
            "schemas": schemas(),
        },
    })
}

/// The objects we answer, as loose as PeerTube's clients read them: the fields every one has,
/// with their types.
fn schemas() -> Value {
    let id = json!({ "type": "integer" });
    let string = json!({ "type": "string" });
    let nullable_string = json!({ "type": "string", "nullable": true });
    let date = json!({ "type": "string", "format": "date-time" });
    let constant =
        json!({ "type": "object", "required": ["label"], "properties": { "label": string } });
    let summary = json!({
        "type": "object",
        "required": ["id", "name", "displayName", "url", "host", "avatars"],
        "properties": {
            "id": id, "name": string, "displayName": string, "url": string, "host": string,
            "avatars": { "type": "array" },
        },
    });
    json!({
        "Error": {
            "type": "object",
            "properties": { "status": id, "detail": string, "type": string, "title": string },
        },
        "Account": {
            "type": "object",
            "required": ["id", "name", "displayName", "url", "host", "createdAt", "followersCount", "followingCount", "avatars"],
            "properties": {
                "id": id, "name": string, "displayName": string, "url": string, "host": string,
                "createdAt": date, "updatedAt": date, "description": nullable_string,
                "followersCount": id, "followingCount": id, "avatars": { "type": "array" },
                "userId": { "type": "integer", "nullable": true },
            },
        },
        "VideoChannel": {
            "type": "object",
            "required": ["id", "name", "displayName", "url", "host", "createdAt", "isLocal", "avatars", "banners"],
            "properties": {
                "id": id, "name": string, "displayName": string, "url": string, "host": string,
                "createdAt": date, "updatedAt": date, "description": nullable_string,
                "support": nullable_string, "isLocal": { "type": "boolean" },
                "avatars": { "type": "array" }, "banners": { "type": "array" },
            },
        },
        "Video": {
            "type": "object",
            "required": ["id", "uuid", "shortUUID", "name", "url", "privacy", "state", "account", "channel", "duration", "views", "likes", "dislikes", "createdAt", "publishedAt", "isLocal", "embedPath"],
            "properties": {
                "id": id, "uuid": string, "shortUUID": string, "name": string, "url": string,
                "privacy": constant, "state": constant, "category": constant, "licence": constant,
                "language": { "type": "object" },
                "account": schema_ref("Account"), "channel": schema_ref("VideoChannel"),
                "duration": id, "views": id, "likes": id, "dislikes": id,
                "createdAt": date, "publishedAt": date, "updatedAt": date,
                "originallyPublishedAt": { "type": "string", "format": "date-time", "nullable": true },
                "isLocal": { "type": "boolean" }, "nsfw": { "type": "boolean" },
                "thumbnailPath": nullable_string, "previewPath": nullable_string, "embedPath": string,
            },
        },
        "VideoDetails": {
            "allOf": [schema_ref("Video"), {
                "type": "object",
                "required": ["tags", "files", "streamingPlaylists", "commentsPolicy", "downloadEnabled"],
                "properties": {
                    "tags": { "type": "array", "items": string },
                    "files": { "type": "array" },
                    "streamingPlaylists": { "type": "array" },
                    "downloadEnabled": { "type": "boolean" },
                    "description": nullable_string,
                    "support": nullable_string,
                },
            }],
        },
        "VideoComment": {
            "type": "object",
            "required": ["id", "url", "text", "threadId", "videoId", "createdAt", "isDeleted", "totalReplies"],
            "properties": {
                "id": id, "url": string, "text": string, "threadId": id, "videoId": id,
                "inReplyToCommentId": { "type": "integer", "nullable": true },
                "createdAt": date, "updatedAt": date, "isDeleted": { "type": "boolean" },
                "totalReplies": id, "heldForReview": { "type": "boolean" },
            },
        },
        "Abuse": {
            "type": "object",
            "required": ["id", "reason", "predefinedReasons", "state", "countMessages", "createdAt", "updatedAt"],
            "properties": {
                "id": id, "reason": string, "predefinedReasons": { "type": "array", "items": string },
                "state": constant, "countMessages": id, "createdAt": date, "updatedAt": date,
                "flaggedAccount": { "type": "object", "nullable": true },
                "video": { "type": "object", "nullable": true },
                "comment": { "type": "object", "nullable": true },
            },
        },
        "VideoBlacklist": {
            "type": "object",
            "required": ["id", "reason", "unfederated", "type", "createdAt", "updatedAt", "video"],
            "properties": {
                "id": id, "reason": nullable_string, "unfederated": { "type": "boolean" },
                "type": id, "createdAt": date, "updatedAt": date,
                "video": schema_ref("Video"),
            },
        },
        "UserNotification": {
            "type": "object",
            "required": ["id", "type", "read", "createdAt", "updatedAt"],
            "properties": {
                "id": id, "type": id, "read": { "type": "boolean" }, "createdAt": date,
                "updatedAt": date, "video": { "type": "object" }, "comment": { "type": "object" },
                "abuse": { "type": "object" }, "account": { "type": "object" },
                "videoImport": { "type": "object" },
            },
        },
        "WatchedWordsList": {
            "type": "object",
            "required": ["id", "listName", "words", "createdAt", "updatedAt"],
            "properties": {
                "id": id, "listName": string, "words": { "type": "array", "items": string },
                "createdAt": date, "updatedAt": date,
            },
        },
        "VideoCommentThreadTree": {
            "type": "object",
            "required": ["comment", "children"],
            "properties": { "comment": schema_ref("VideoComment"), "children": { "type": "array" } },
        },
        "VideoPlaylist": {
            "type": "object",
            "required": ["id", "uuid", "shortUUID", "isLocal", "url", "displayName", "privacy", "type", "videosLength", "createdAt", "updatedAt", "ownerAccount", "embedPath"],
            "properties": {
                "id": id, "uuid": string, "shortUUID": string, "isLocal": { "type": "boolean" },
                "url": string, "displayName": string, "description": nullable_string,
                "privacy": constant, "type": constant, "videosLength": id,
                "thumbnailPath": nullable_string, "embedPath": string,
                "createdAt": date, "updatedAt": date,
                "ownerAccount": summary,
                "videoChannel": { "anyOf": [summary, { "type": "object", "nullable": true }] },
            },
        },
        "VideoPlaylistElement": {
            "type": "object",
            "required": ["id", "position", "type"],
            "properties": {
                "id": id, "position": id, "type": id,
                "startTimestamp": { "type": "integer", "nullable": true },
                "stopTimestamp": { "type": "integer", "nullable": true },
                "video": { "anyOf": [schema_ref("Video"), { "type": "object", "nullable": true }] },
            },
        },
        "VideoImport": {
            "type": "object",
            "required": ["id", "targetUrl", "state", "createdAt", "updatedAt"],
            "properties": {
                "id": id, "targetUrl": string, "magnetUri": nullable_string,
                "torrentName": nullable_string, "state": constant, "error": nullable_string,
                "createdAt": date, "updatedAt": date, "video": schema_ref("Video"),
            },
        },
        "ServerConfig": {
            "type": "object",
            "required": ["instance", "signup", "transcoding", "user", "video", "serverVersion"],
        },
        "About": { "type": "object", "required": ["instance"] },
        "Registration": {
            "type": "object",
            "required": ["id", "username", "email", "state", "createdAt"],
            "properties": { "id": id, "username": string, "email": string, "state": constant, "createdAt": date },
        },
        "User": {
            "type": "object",
            "required": ["id", "username", "role", "account", "videoChannels"],
            "properties": {
                "id": id, "username": string, "role": constant, "account": schema_ref("Account"),
                "videoChannels": { "type": "array", "items": schema_ref("VideoChannel") },
            },
        },
    })
}
