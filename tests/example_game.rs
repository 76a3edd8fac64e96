//! Black-box test of the game example: the BUILT `examples/game` binary, started on a free port
//! with a SQLite file, driven through the README's curl session by a real HTTP client over TCP,
//! then stopped with SIGTERM (graceful shutdown) and restarted on the same file.
//!
//! `cargo test` builds the examples before running this test. When only this test is built
//! (`cargo test --test example_game`) the binary may be missing or stale: run
//! `cargo build --example game` first. The test never runs cargo itself (it would wait on the
//! build lock held by the `cargo test` that runs it).

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

/// How long the server may take to answer its first request.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// How long the server may take to exit after SIGTERM.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// `target/<profile>/examples/game`, found next to this test's own executable
/// (`target/<profile>/deps/example_game-<hash>`).
fn game_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable lives in target/<profile>/deps");
    let binary = profile_dir
        .join("examples")
        .join(format!("game{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.is_file(),
        "the game example is not built at {}: run `cargo build --example game` \
         (plain `cargo test` builds it)",
        binary.display()
    );
    binary
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

/// The running example; killed on drop so a failing test leaves no process behind.
struct Server {
    child: Option<Child>,
    addr: SocketAddr,
    log: PathBuf,
}

impl Server {
    /// Start the example on a free port with `SPECSTAR_BACKEND=sqlite://<db>`.
    fn start(db: &Path, log: PathBuf) -> Server {
        let addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();
        let log_file = std::fs::File::create(&log).expect("create the server log");
        let child = Command::new(game_binary())
            .env("SPECSTAR_ADDR", addr.to_string())
            .env("SPECSTAR_BACKEND", format!("sqlite://{}", db.display()))
            .env_remove("SPECSTAR_USER_HEADER")
            .env_remove("SPECSTAR_DEFAULT_QUERY_LIMIT")
            .env_remove("SPECSTAR_MAX_QUERY_LIMIT")
            .current_dir(db.parent().expect("the database lives in a directory"))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("share the log file"))
            .stderr(log_file)
            .spawn()
            .expect("start the game example");
        Server {
            child: Some(child),
            addr,
            log,
        }
    }

    fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{path_and_query}", self.addr)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn child(&mut self) -> &mut Child {
        self.child.as_mut().expect("the server is running")
    }

    /// Wait until the server answers `GET /openapi.json`, failing early if it exits.
    async fn wait_ready(&mut self, http: &Http) {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.child().try_wait().expect("poll the server") {
                panic!(
                    "the game example exited during start-up ({status}); its output:\n{}",
                    self.log()
                );
            }
            let probe = Request::get(self.url("/openapi.json"))
                .body(Full::new(Bytes::new()))
                .expect("a valid request");
            let answer =
                tokio::time::timeout(Duration::from_secs(2), http.client.request(probe)).await;
            if let Ok(Ok(response)) = answer
                && response.status() == StatusCode::OK
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the game example did not answer on {} within {READY_TIMEOUT:?}; its output:\n{}",
                self.addr,
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Send SIGTERM and wait (bounded) for the exit status.
    async fn terminate(&mut self) -> ExitStatus {
        let pid = self.child().id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run `kill`");
        assert!(sent.success(), "kill -TERM {pid} failed");
        let deadline = Instant::now() + SHUTDOWN_TIMEOUT;
        loop {
            if let Some(status) = self.child().try_wait().expect("poll the server") {
                self.child = None;
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the game example did not exit within {SHUTDOWN_TIMEOUT:?} of SIGTERM; its output:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A keep-alive HTTP/1 client.
struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
}

/// One answer: status, content type and body.
struct Answer {
    status: StatusCode,
    content_type: String,
    body: Bytes,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "the body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

impl Http {
    fn new() -> Http {
        Http {
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    async fn send(
        &self,
        server: &Server,
        method: Method,
        path: &str,
        body: Option<&str>,
    ) -> Answer {
        let mut request = Request::builder()
            .method(method.clone())
            .uri(server.url(path));
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or_default().to_owned())))
            .expect("a valid request");
        let exchange = async {
            let response = self.client.request(request).await?;
            let status = response.status();
            let content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(Answer {
                status,
                content_type,
                body,
            })
        };
        match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) => panic!(
                "{method} {path} failed: {e}\nserver output:\n{}",
                server.log()
            ),
            Err(_) => panic!("{method} {path} took longer than {REQUEST_TIMEOUT:?}"),
        }
    }

    /// Send and expect `status` with a JSON body.
    async fn json(
        &self,
        server: &Server,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: StatusCode,
    ) -> Value {
        let body = body.map(|b| b.to_string());
        let answer = self
            .send(server, method.clone(), path, body.as_deref())
            .await;
        assert_eq!(
            answer.status,
            status,
            "{method} {path}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        assert!(
            answer.content_type.starts_with("application/json"),
            "{method} {path} answered {}",
            answer.content_type
        );
        answer.json()
    }
}

/// `path?k=v&…` with the values percent-encoded.
fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{path}?{query}")
}

fn text(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

#[tokio::test]
async fn the_readme_curl_session_against_the_built_example() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = dir.path().join("game.db");
    let http = Http::new();
    let mut server = Server::start(&db, dir.path().join("server-1.log"));
    server.wait_ready(&http).await;
    let log = server.log();
    assert!(
        log.contains(&server.addr.to_string()) && log.contains("sqlite"),
        "the start-up line names the address and the backend: {log}"
    );
    use Method as M;
    use StatusCode as S;

    // create a zone
    let zone = http
        .json(
            &server,
            M::POST,
            "/zone",
            Some(json!({"name": "Shire", "level": 1, "tags": ["green"]})),
            S::OK,
        )
        .await;
    let zone_id = text(&zone["resource_id"]).to_owned();
    assert!(zone_id.starts_with("zone:"), "{zone}");
    let rev1 = format!("{zone_id}:1");
    assert_eq!(zone["revision_id"], json!(rev1));
    assert_eq!(zone["parent_revision_id"], Value::Null);
    assert_eq!(zone["status"], "stable");
    assert_eq!(zone["created_by"], "anonymous");
    assert!(text(&zone["data_hash"]).starts_with("xxh3_128:"), "{zone}");

    // a monster living in it
    let monster = http
        .json(
            &server,
            M::POST,
            "/monster",
            Some(json!({"name": "Rat", "zone_id": zone_id, "hp": 5})),
            S::OK,
        )
        .await;
    let monster_id = text(&monster["resource_id"]).to_owned();
    assert!(monster_id.starts_with("monster:"), "{monster}");

    // update: revision 2 whose parent is revision 1
    let zone_path = format!("/zone/{zone_id}");
    let rev2 = format!("{zone_id}:2");
    let updated = http
        .json(
            &server,
            M::PUT,
            &zone_path,
            Some(json!({"name": "Shire", "level": 2, "tags": ["green"]})),
            S::OK,
        )
        .await;
    assert_eq!(updated["revision_id"], json!(rev2));
    assert_eq!(updated["parent_revision_id"], json!(rev1));

    // list with qb and returns
    let listed = http
        .json(
            &server,
            M::GET,
            &with_query(
                "/zone",
                &[("qb", r#"QB["level"] >= 2"#), ("returns", "data,meta")],
            ),
            None,
            S::OK,
        )
        .await;
    let listed = listed.as_array().expect("a list answers an array");
    assert_eq!(listed.len(), 1, "{listed:?}");
    let keys: Vec<&String> = listed[0].as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["data", "meta"], "returns=data,meta picks the keys");
    assert_eq!(
        listed[0]["data"],
        json!({"name": "Shire", "level": 2, "tags": ["green"]})
    );
    assert_eq!(listed[0]["meta"]["current_revision_id"], json!(rev2));
    let none = http
        .json(
            &server,
            M::GET,
            &with_query("/zone", &[("qb", r#"QB["level"] > 5"#)]),
            None,
            S::OK,
        )
        .await;
    assert_eq!(none, json!([]));

    // revision list: newest first
    let revisions = http
        .json(
            &server,
            M::GET,
            &format!("{zone_path}/revision-list"),
            None,
            S::OK,
        )
        .await;
    assert_eq!(revisions["total"], 2, "{revisions}");
    assert_eq!(revisions["has_more"], false);
    assert_eq!(revisions["meta"]["resource_id"], json!(zone_id));
    let ids: Vec<&str> = revisions["revisions"]
        .as_array()
        .expect("revisions is an array")
        .iter()
        .map(|r| text(&r["revision_id"]))
        .collect();
    assert_eq!(ids, [rev2.as_str(), rev1.as_str()]);

    // switch back to revision 1
    let meta = http
        .json(
            &server,
            M::POST,
            &format!("{zone_path}/switch/{rev1}"),
            None,
            S::OK,
        )
        .await;
    assert_eq!(meta["current_revision_id"], json!(rev1));
    let read = http.json(&server, M::GET, &zone_path, None, S::OK).await;
    assert_eq!(read["data"]["level"], 1);
    assert_eq!(read["revision_info"]["revision_id"], json!(rev1));

    // delete: cascades to the monster
    let count = http
        .json(&server, M::GET, "/monster/count", None, S::OK)
        .await;
    assert_eq!(count, 1);
    let deleted = http.json(&server, M::DELETE, &zone_path, None, S::OK).await;
    assert_eq!(deleted["is_deleted"], true);
    let count = http
        .json(&server, M::GET, "/monster/count", None, S::OK)
        .await;
    assert_eq!(count, 0, "on_delete = cascade soft-deletes the monster");
    let gone = http
        .json(&server, M::GET, &zone_path, None, S::NOT_FOUND)
        .await;
    assert!(
        text(&gone["detail"]).contains(&zone_id) && text(&gone["detail"]).contains("deleted"),
        "{gone}"
    );
    let still = http
        .json(
            &server,
            M::GET,
            &format!("{zone_path}?include_deleted=true"),
            None,
            S::OK,
        )
        .await;
    assert_eq!(still["meta"]["is_deleted"], true);

    // restore: the zone is back, the monster stays deleted
    let restored = http
        .json(
            &server,
            M::POST,
            &format!("{zone_path}/restore"),
            None,
            S::OK,
        )
        .await;
    assert_eq!(restored["is_deleted"], false);
    http.json(&server, M::GET, &zone_path, None, S::OK).await;
    let count = http
        .json(&server, M::GET, "/monster/count", None, S::OK)
        .await;
    assert_eq!(count, 0);

    // unique violation: 409 with the field and the conflicting id
    let conflict = http
        .json(
            &server,
            M::POST,
            "/zone",
            Some(json!({"name": "Shire", "level": 1})),
            S::CONFLICT,
        )
        .await;
    assert_eq!(conflict["detail"]["field"], "name", "{conflict}");
    assert_eq!(
        conflict["detail"]["conflicting_resource_id"],
        json!(zone_id)
    );
    assert!(
        text(&conflict["detail"]["message"]).contains("zone"),
        "{conflict}"
    );

    // a guild with an emblem: the bytes go to the blob store (in the same SQLite file), the
    // revision keeps the reference, the file is served through the guild
    let png = b"\x89PNG\r\n\x1a\n";
    let guild = http
        .json(
            &server,
            M::POST,
            "/guild",
            Some(json!({"name": "Owls", "emblem": {"data": "iVBORw0KGgo=", "content_type": "image/png"}})),
            S::OK,
        )
        .await;
    let guild_path = format!("/guild/{}", text(&guild["resource_id"]));
    let data = http
        .json(&server, M::GET, &format!("{guild_path}/data"), None, S::OK)
        .await;
    let file_id = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(png));
    assert_eq!(
        data["emblem"],
        json!({"file_id": file_id, "size": 8, "content_type": "image/png"}),
        "{data}"
    );
    let emblem = http
        .send(
            &server,
            M::GET,
            &format!("{guild_path}/blobs/{file_id}"),
            None,
        )
        .await;
    assert_eq!(emblem.status, S::OK);
    assert_eq!(emblem.content_type, "image/png");
    assert_eq!(&emblem.body[..], png);

    // invalid body: 422 naming the field
    let invalid = http
        .json(
            &server,
            M::POST,
            "/zone",
            Some(json!({"name": "X", "level": "1"})),
            S::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(text(&invalid["detail"]).contains("level"), "{invalid}");
    let not_json = http.send(&server, M::POST, "/zone", Some("{nope")).await;
    assert_eq!(not_json.status, S::UNPROCESSABLE_ENTITY);

    // the API documents itself
    let openapi = http
        .json(&server, M::GET, "/openapi.json", None, S::OK)
        .await;
    assert!(
        text(&openapi["openapi"]).starts_with("3.1"),
        "{}",
        openapi["openapi"]
    );
    for model in ["Zone", "Guild", "Character", "Monster", "Item"] {
        assert!(
            openapi["components"]["schemas"].get(model).is_some(),
            "OpenAPI has no {model} schema"
        );
    }
    for path in ["/zone", "/zone/{id}", "/zone/{id}/revision-list"] {
        assert!(
            openapi["paths"].get(path).is_some(),
            "OpenAPI has no {path}"
        );
    }
    let docs = http.send(&server, M::GET, "/docs", None).await;
    assert_eq!(docs.status, S::OK);
    assert!(
        docs.content_type.starts_with("text/html"),
        "{}",
        docs.content_type
    );
    assert!(
        String::from_utf8_lossy(&docs.body).contains("openapi.json"),
        "the docs page loads the document"
    );

    // SIGTERM with a keep-alive connection still open: a clean, prompt exit
    let status = server.terminate().await;
    assert!(
        status.success(),
        "the server exits cleanly on SIGTERM ({status}); its output:\n{}",
        server.log()
    );
    assert!(server.log().contains("shutting down"), "{}", server.log());
    drop(server);

    // the SQLite file kept everything: a new server on it reads the zone at revision 1
    let mut server = Server::start(&db, dir.path().join("server-2.log"));
    server.wait_ready(&http).await;
    let read = http.json(&server, M::GET, &zone_path, None, S::OK).await;
    assert_eq!(read["data"]["level"], 1);
    assert_eq!(read["meta"]["total_revision_count"], 2);
    let emblem = http
        .send(&server, M::GET, &format!("/blobs/{file_id}"), None)
        .await;
    assert_eq!(
        (emblem.status, &emblem.body[..]),
        (S::OK, &png[..]),
        "the file survived the restart"
    );
    let status = server.terminate().await;
    assert!(
        status.success(),
        "second shutdown ({status}):\n{}",
        server.log()
    );
}
