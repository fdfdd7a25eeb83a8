//! The ceiling for the benchmark (`bench/run`): the least an actix-web server
//! can do to answer a request, on the same machine, with the same workers.
//! It reads the request body (so an upload costs what it costs) and answers
//! every request with one response captured from the real service, served
//! from memory: no authentication, no database, no serialisation.
//!
//!     cargo run --release --example ceiling -- <PORT> <BODY_FILE> <CONTENT_TYPE> [WORKERS]

use actix_web::{web, App, HttpResponse, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: ceiling <PORT> <BODY_FILE> <CONTENT_TYPE> [WORKERS]");
        std::process::exit(2);
    }
    let port: u16 = args[1].parse().expect("a port number");
    let body = web::Bytes::from(std::fs::read(&args[2])?);
    let content_type = args[3].clone();
    let workers = args.get(4).map(|w| w.parse().expect("a number of workers")).unwrap_or(2);
    HttpServer::new(move || {
        let body = body.clone();
        let content_type = content_type.clone();
        App::new().app_data(web::PayloadConfig::new(4 << 20)).default_service(web::to(move |_upload: web::Bytes| {
            let response = HttpResponse::Ok().content_type(content_type.as_str()).body(body.clone());
            async move { response }
        }))
    })
    .workers(workers)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
