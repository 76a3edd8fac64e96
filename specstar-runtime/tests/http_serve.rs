//! `serve_on`: the API over a real TCP listener.

mod common;

use std::sync::Arc;

use specstar_runtime::app::SpecStar;
use specstar_runtime::http::HttpOptions;
use specstar_runtime::storage::memory::MemoryStore;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn http(addr: std::net::SocketAddr, request: String) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connects");
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("reads");
    response
}

#[tokio::test]
async fn serves_the_api_on_a_listener() {
    let spec = SpecStar::builder()
        .store(Arc::new(MemoryStore::new()))
        .resource::<common::Zone>()
        .resource::<common::Monster>()
        .build()
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(specstar_runtime::http::serve::serve_on(
        spec,
        listener,
        HttpOptions::default(),
        None,
    ));

    let body = r#"{"name": "Shire", "level": 1}"#;
    let created = http(
        addr,
        format!(
            "POST /zone HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert!(created.starts_with("HTTP/1.1 200"), "{created}");
    assert!(created.contains("\"resource_id\":\"zone:"), "{created}");

    let count = http(
        addr,
        "GET /zone/count HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".into(),
    )
    .await;
    assert!(count.starts_with("HTTP/1.1 200"), "{count}");
    assert!(count.ends_with("\r\n\r\n1"), "{count}");

    let docs = http(
        addr,
        "GET /docs HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".into(),
    )
    .await;
    assert!(docs.contains("text/html"), "{docs}");
    server.abort();
}

#[tokio::test]
async fn a_busy_address_is_a_configuration_error() {
    let spec = SpecStar::builder().build().await.unwrap();
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let e = specstar_runtime::http::serve::serve(spec, &addr, HttpOptions::default(), None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains(&addr), "{e}");
}
