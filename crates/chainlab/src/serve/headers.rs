//! Response headers every page and asset gets.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::middleware::Next;
use axum::response::Response;

use super::csp::Policies;

/// Cross-origin isolation (COOP + COEP) is what lets the miner use threads. CORP
/// `cross-origin` lets course pages on other origins load the embed script and frame
/// the widgets; the frame-ancestors rule is relaxed only for `/embed/` pages.
pub async fn secure(
    State(policies): State<Arc<Policies>>,
    request: Request,
    next: Next,
) -> Response {
    let embed = request.uri().path().starts_with("/embed");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let policy = if embed {
        &policies.embed
    } else {
        &policies.app
    };
    if let Ok(value) = HeaderValue::from_str(policy) {
        headers.insert(CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-embedder-policy",
        HeaderValue::from_static("require-corp"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}
