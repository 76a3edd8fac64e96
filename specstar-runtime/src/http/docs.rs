//! `GET /docs`: an interactive API page that works offline.
//!
//! One hand-written HTML page with its script inline, embedded in the binary: it fetches the
//! `openapi.json` next to it and builds a form for every operation (parameters, an example
//! body from the schema, the response with its status). No CDN, no external assets.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The page, embedded at compile time.
pub const PAGE: &str = include_str!("docs.html");

/// The handler of `GET /docs`.
pub async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        PAGE,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_loads_no_external_assets() {
        let page = super::PAGE;
        assert!(page.contains("openapi.json"));
        for external in ["http://", "https://", "//cdn", "<link", "src="] {
            assert!(
                !page.contains(external),
                "the docs page must be self-contained: found `{external}`"
            );
        }
    }
}
