//! A strict Content-Security-Policy for the built app.
//!
//! Trunk writes a small inline module script into `index.html` that loads the wasm.
//! Rather than allowing every inline script, the policy allows exactly those scripts
//! by their SHA-256, computed from the file being served.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

#[derive(Clone, Debug)]
pub struct ContentSecurityPolicy {
    script_hashes: Vec<String>,
}

/// The policy's two variants: lesson pages may only be framed by ourselves, embed
/// pages by any course page.
pub struct Policies {
    pub app: String,
    pub embed: String,
}

impl ContentSecurityPolicy {
    pub fn for_index(html: &str) -> Self {
        let script_hashes = inline_scripts(html)
            .map(|body| {
                let digest = Sha256::digest(body.as_bytes());
                format!("'sha256-{}'", BASE64.encode(digest))
            })
            .collect();
        Self { script_hashes }
    }

    pub fn into_shared(self) -> Arc<Policies> {
        Arc::new(Policies {
            app: self.header("'self'"),
            embed: self.header("*"),
        })
    }

    fn header(&self, frame_ancestors: &str) -> String {
        let hashes = self.script_hashes.join(" ");
        [
            "default-src 'self'".to_string(),
            format!("script-src 'self' 'wasm-unsafe-eval' {hashes}"),
            "style-src 'self'".to_string(),
            "style-src-attr 'unsafe-inline'".to_string(),
            "img-src 'self' data: blob:".to_string(),
            "connect-src 'self' ws: wss:".to_string(),
            "worker-src 'self' blob:".to_string(),
            "object-src 'none'".to_string(),
            "base-uri 'self'".to_string(),
            "form-action 'self'".to_string(),
            format!("frame-ancestors {frame_ancestors}"),
        ]
        .join("; ")
    }
}

/// Bodies of `<script>` elements without a `src` attribute.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, after) = rest.split_once('>')?;
        if attributes.contains("src=") {
            return None;
        }
        after.split_once("</script>").map(|(body, _)| body)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_only_inline_scripts() {
        let html = r#"<script src="/a.js"></script><script type="module">init()</script>"#;
        let policy = ContentSecurityPolicy::for_index(html);
        // echo -n 'init()' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            policy.script_hashes,
            vec!["'sha256-w4ujnOpjBoH2vcasx+reJRUwYivG8Q3afx/XevGJod8='".to_string()]
        );
    }
}
