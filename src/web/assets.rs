//! The pages' static files, embedded in the binary (nothing is loaded from
//! another host) and served at `/assets/<hash>/<name>`, where the hash is of
//! the file's content: a new release changes the address, so browsers may
//! keep each file for a year without asking again.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use sha2::{Digest, Sha256};

pub const GOVUK_CSS: &str = "govuk-frontend.min.css";
pub const GOVUK_JS: &str = "govuk-frontend.bundle.js";
pub const APP_CSS: &str = "app.css";

/// (name, content type, content). GOV.UK Frontend is vendored under
/// `assets/vendor/` (see `assets/README.md` for its version and how to update it).
const FILES: &[(&str, &str, &[u8])] = &[
    (GOVUK_CSS, "text/css; charset=utf-8", include_bytes!("../../assets/vendor/govuk-frontend/govuk-frontend.min.css")),
    (
        GOVUK_JS,
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/vendor/govuk-frontend/govuk-frontend.bundle.js"),
    ),
    (APP_CSS, "text/css; charset=utf-8", include_bytes!("../../assets/app.css")),
];

struct Asset {
    name: &'static str,
    content_type: &'static str,
    content: &'static [u8],
    hash: String,
    url: &'static str,
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(name, content_type, content)| {
            let hash = hex::encode(&Sha256::digest(content)[..6]);
            // Leaked once per file at start: the addresses live as long as the process.
            let url: &'static str = Box::leak(format!("/assets/{hash}/{name}").into_boxed_str());
            Asset { name, content_type, content, hash, url }
        })
        .collect()
});

/// The address of an embedded file, with its content hash.
pub fn url(name: &str) -> &'static str {
    ASSETS.iter().find(|a| a.name == name).map(|a| a.url).unwrap_or("/assets/missing")
}

async fn serve(path: web::Path<(String, String)>) -> HttpResponse {
    let (hash, name) = path.into_inner();
    match ASSETS.iter().find(|a| a.name == name && a.hash == hash) {
        Some(asset) => HttpResponse::Ok()
            .content_type(asset.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .insert_header((header::ETAG, format!("\"{}\"", asset.hash)))
            .body(asset.content),
        None => HttpResponse::NotFound()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .content_type("text/plain; charset=utf-8")
            .body("no such file"),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets/{hash}/{name}", web::get().to(serve));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_carry_the_content_hash() {
        let css = url(GOVUK_CSS);
        assert!(css.starts_with("/assets/") && css.ends_with("/govuk-frontend.min.css"), "{css}");
        assert_eq!(css.split('/').nth(2).unwrap().len(), 12);
        assert_ne!(url(GOVUK_CSS), url(APP_CSS));
        assert_eq!(url("nope"), "/assets/missing");
    }

    #[test]
    fn no_gds_transport_font_is_shipped() {
        let css = std::str::from_utf8(FILES[0].2).unwrap();
        assert!(!css.contains("GDS Transport") && !css.contains("@font-face"));
    }
}
