//! `/api/v1/openapi.json` says exactly what the router serves: every path and method it lists
//! is answered (never 405), every method it leaves out of a listed path is refused with 405.
#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use ruche_testkit::{Backend, TestApp};
use tower::ServiceExt;

#[tokio::test]
async fn the_document_is_the_router() {
    let app = TestApp::start(Backend::Sqlite, "https://videos.example").await;
    let (status, _, doc) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() > 60, "{} paths", paths.len());
    let mut wrong = Vec::new();
    for (path, item) in paths {
        // Each `{parameter}` as a plausible value.
        let uri: String = path
            .split('/')
            .map(|s| if s.starts_with('{') { "1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for method in [Method::GET, Method::POST, Method::PUT, Method::DELETE] {
            let listed = item.get(method.as_str().to_ascii_lowercase()).is_some();
            let req = Request::builder()
                .method(method.clone())
                .uri(&uri)
                .body(Body::empty())
                .unwrap();
            let res = app.router.clone().oneshot(req).await.unwrap();
            let refused = res.status() == StatusCode::METHOD_NOT_ALLOWED;
            if listed == refused {
                wrong.push(format!(
                    "{method} {path}: listed {listed}, answered {}",
                    res.status()
                ));
            }
        }
        for (method, op) in item.as_object().unwrap() {
            assert!(op["summary"].is_string(), "{method} {path} has no summary");
            assert!(op["responses"]["default"].is_object(), "{method} {path}");
        }
    }
    assert!(
        wrong.is_empty(),
        "the document and the router differ:\n{}",
        wrong.join("\n")
    );
    // Every schema it names is defined.
    let text = doc.to_string();
    for name in text.split("#/components/schemas/").skip(1) {
        let name: String = name.chars().take_while(|c| c.is_alphanumeric()).collect();
        assert!(
            doc["components"]["schemas"][&name].is_object(),
            "{name} is named, not defined"
        );
    }
    app.cleanup().await;
}
