//! Which methods each documented path takes, so a request for a known path
//! with another method is answered 405 with `Allow` (RFC 9110), not 404.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::error::ApiError;

/// The documented paths, as segments (`{id}` matches any one segment), each
/// with the methods it takes.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<String>)>,
}

impl RouteTable {
    pub fn from_document(doc: &utoipa::openapi::OpenApi) -> Self {
        let mut routes = Vec::new();
        for (path, item) in &doc.paths.paths {
            let mut methods = Vec::new();
            for (method, present) in [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("PATCH", item.patch.is_some()),
                ("DELETE", item.delete.is_some()),
            ] {
                if present {
                    methods.push(method.to_string());
                }
            }
            routes.push((segments(path), methods));
        }
        RouteTable { routes }
    }

    /// The methods the path takes, when it is a documented path.
    pub fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let wanted = segments(path);
        self.routes
            .iter()
            .find(|(pattern, _)| {
                pattern.len() == wanted.len()
                    && pattern.iter().zip(&wanted).all(|(p, w)| p == w || (p.starts_with('{') && !w.is_empty()))
            })
            .map(|(_, methods)| methods.clone())
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_end_matches('/').split('/').map(str::to_string).collect()
}

/// The answer for a request no route took: 405 with `Allow` for a known
/// path, otherwise 404.
pub async fn unmatched(req: HttpRequest) -> HttpResponse {
    let allowed = req.app_data::<RouteTable>().and_then(|table| table.allowed(req.path()));
    match allowed {
        Some(methods) if !methods.iter().any(|m| m == req.method().as_str()) => {
            let allow = methods.join(", ");
            let mut response = ApiError::MethodNotAllowed(format!(
                "{} is not one of the methods this path takes: {allow}",
                req.method()
            ))
            .error_response();
            if let Ok(value) = header::HeaderValue::from_str(&allow) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            response
        }
        _ => ApiError::NotFound { resource: "path", id: req.path().to_string() }.error_response(),
    }
}
