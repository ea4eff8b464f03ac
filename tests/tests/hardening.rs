//! Attacks on the real binary, each of which once crashed it, stalled it or
//! stored something harmful: each now gets a clear refusal, and the server
//! keeps serving everyone else.

use std::io::Write as _;

use quire_tests::http::{self, curl, json};
use quire_tests::{Client, Server};
use serde_json::Value;

fn create_doc(base: &str) -> String {
    http::create_doc(base, "Target")
}

/// POSTs `source` as an import; the status and the body.
fn import(base: &str, id: &str, format: &str, source: &str) -> (u16, String) {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(source.as_bytes()).unwrap();
    let path = format!("@{}", file.path().display());
    curl(&[
        "-X",
        "POST",
        &format!("{base}/api/v1/docs/{id}/import?format={format}"),
        "-H",
        "content-type: text/plain",
        "--data-binary",
        &path,
    ])
}

fn export_md(base: &str, id: &str) -> String {
    let (status, body) = curl(&[&format!("{base}/api/v1/docs/{id}/export/md")]);
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn deep_imports_are_refused_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let base = server.http();
    let id = create_doc(&base);
    let (status, body) = import(&base, &id, "md", "kept\n");
    assert_eq!(status, 200, "{body}");
    let before = export_md(&base, &id);
    assert!(before.contains("kept"), "{before}");
    let payloads = [
        ("md", ">".repeat(10_000)),
        ("md", format!("{}x", "- ".repeat(4_000))),
        ("md", format!("{}deep", "> ".repeat(200))),
        ("html", "<blockquote>".repeat(4_000)),
        ("html", "<ol><li>".repeat(2_000)),
    ];
    for (format, source) in payloads {
        let (status, body) = import(&base, &id, format, &source);
        assert_eq!(status, 422, "{format} {}: {body}", &source[..20]);
        let error = json(&body);
        assert_eq!(error["error"], "too_deep", "{body}");
        assert!(
            error["message"].as_str().unwrap().contains("deeper than"),
            "{body}"
        );
        assert_eq!(export_md(&base, &id), before, "nothing changed");
    }
    let (status, body) = curl(&[&format!("{base}/healthz")]);
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_closed_stderr_stops_neither_documents_nor_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start_with_stderr_closed(dir.path(), &[]);
    let url = server.ws("logged", "acks=1");
    let mut writer = Client::connect(&url).await;
    writer.insert(0, "before ").await;
    assert!(writer.wait_saved().await);
    // Each malformed frame is logged where it is refused.
    let frames: [&[u8]; 3] = [&[0, 2, 200, 1], &[0, 2, 3, 1, 1, 1], &[0, 2, 2, 0, 0, 7]];
    for frame in frames {
        let mut hostile = Client::connect(&server.ws("logged", "")).await;
        hostile.send_raw(frame.to_vec()).await;
        assert_eq!(hostile.wait_closed().await, Some(1002), "{frame:?}");
    }
    writer.insert(7, "after").await;
    assert!(writer.wait_saved().await, "the document still acknowledges");
    let reader = Client::connect(&server.ws("logged", "")).await;
    assert_eq!(reader.text(), "before after");
    // SIGTERM still shuts the server down cleanly.
    assert_eq!(server.terminate(), Some(0));
}

#[tokio::test]
async fn a_frame_past_the_limit_is_refused_with_1009() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let url = server.ws("big", "");
    // The default limit is 4 MiB; 5 MiB arrives over many TCP reads.
    let mut big = Client::connect(&url).await;
    big.send_raw(vec![0; 5 << 20]).await;
    assert_eq!(big.wait_closed().await, Some(1009));
    let mut fine = Client::connect(&url).await;
    fine.insert(0, "still served").await;
    assert!(
        fine.pump_until(std::time::Duration::from_secs(5), |c| c.text()
            == "still served")
            .await
    );
}

/// Sends `head` (request line and headers, without the blank line) and
/// `body` on a new connection; returns the connection.
fn send(addr: &str, head: &str, body: &[u8]) -> std::net::TcpStream {
    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.write_all(format!("{head}\r\nHost: {addr}\r\n\r\n").as_bytes())
        .unwrap();
    tcp.write_all(body).unwrap();
    tcp
}

/// The status of the response on `tcp`, waiting at most `limit` for it.
fn status_of(tcp: &mut std::net::TcpStream, limit: std::time::Duration) -> u16 {
    use std::io::Read as _;
    tcp.set_read_timeout(Some(limit)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.windows(2).any(|w| w == b"\r\n") {
        match tcp.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => panic!("no response: {e}"),
        }
    }
    let line = String::from_utf8_lossy(&got);
    line.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a response: {line:?}"))
}

#[tokio::test]
async fn slow_and_unauthorised_bodies_are_not_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &[
            "--body-timeout-secs",
            "1",
            "--admin-token",
            "secret-admin-token",
        ],
    );
    let base = server.http();
    let id = create_doc(&base);
    let patient = std::time::Duration::from_secs(10);
    // A drip-fed body: 10 of 1,000 bytes, then nothing.
    let mut slow = send(
        &server.addr,
        &format!(
            "POST /api/v1/docs/{id}/import?format=txt HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 1000"
        ),
        b"0123456789",
    );
    assert_eq!(status_of(&mut slow, patient), 408);
    // A large body without the right to import: refused from its headers.
    let private_dir = tempfile::tempdir().unwrap();
    let private = Server::start(
        private_dir.path(),
        &["--private", "--admin-token", "secret-admin-token"],
    );
    let mut stranger = send(
        &private.addr,
        "POST /api/v1/docs/abc/import?format=txt HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 7000000",
        b"",
    );
    assert_eq!(status_of(&mut stranger, patient), 401);
    // A declared body over the limit is refused before it is sent.
    let mut huge = send(
        &server.addr,
        &format!(
            "POST /api/v1/docs/{id}/import?format=txt HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 9000000"
        ),
        b"",
    );
    assert_eq!(status_of(&mut huge, patient), 413);
}

#[tokio::test]
async fn bodies_in_flight_share_one_memory_budget() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &[
            "--body-memory-bytes",
            "8388608",
            "--body-timeout-secs",
            "60",
        ],
    );
    let base = server.http();
    let id = create_doc(&base);
    let head = format!(
        "POST /api/v1/docs/{id}/import?format=txt HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 8000000"
    );
    // One unfinished 8 MB body holds almost all of the budget.
    let holder = send(&server.addr, &head, b"held");
    let (status, body) = import(&base, &id, "txt", &"x".repeat(500_000));
    assert_eq!(status, 503, "{body}");
    assert_eq!(json(&body)["error"], "busy");
    // Once it is gone, the budget is free again.
    drop(holder);
    let mut status = 0;
    for _ in 0..100 {
        status = import(&base, &id, "txt", "fits now").0;
        if status == 200 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(status, 200);
    assert!(export_md(&base, &id).contains("fits now"));
}

#[tokio::test]
async fn other_sites_cannot_change_anything() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let base = server.http();
    let id = create_doc(&base);
    let before = export_md(&base, &id);
    let url = format!("{base}/api/v1/docs/{id}/import?format=txt");
    let own = format!("Origin: {base}");
    let attempts: [(&[&str], u16); 6] = [
        (
            &[
                "-H",
                "Origin: https://evil.example",
                "-H",
                "content-type: text/plain",
            ],
            403,
        ),
        (
            &["-H", "Origin: null", "-H", "content-type: text/plain"],
            403,
        ),
        (
            &[
                "-H",
                "Sec-Fetch-Site: cross-site",
                "-H",
                "content-type: text/plain",
            ],
            403,
        ),
        (
            &[
                "-H",
                "Sec-Fetch-Site: same-site",
                "-H",
                "content-type: text/plain",
            ],
            403,
        ),
        (
            &[
                "-H",
                &own,
                "-H",
                "content-type: application/x-www-form-urlencoded",
            ],
            415,
        ),
        (
            &[
                "-H",
                &own,
                "-H",
                "content-type: multipart/form-data; boundary=x",
            ],
            415,
        ),
    ];
    for (headers, expected) in attempts {
        let mut args = vec!["-X", "POST", &url, "--data-binary", "replaced"];
        args.extend_from_slice(headers);
        let (status, body) = curl(&args);
        assert_eq!(status, expected, "{headers:?}: {body}");
        assert_eq!(
            export_md(&base, &id),
            before,
            "{headers:?} changed the document"
        );
    }
    let (status, body) = curl(&[
        "-X",
        "POST",
        &url,
        "--data-binary",
        "replaced",
        "-H",
        &own,
        "-H",
        "Sec-Fetch-Site: same-origin",
        "-H",
        "content-type: text/plain; charset=utf-8",
    ]);
    assert_eq!(status, 200, "{body}");
    assert!(export_md(&base, &id).contains("replaced"));
    // Creating and deleting from another origin is refused too.
    let (status, _) = curl(&[
        "-X",
        "POST",
        &format!("{base}/api/v1/docs"),
        "-H",
        "Origin: https://evil.example",
        "-H",
        "content-type: application/json",
        "-d",
        "{}",
    ]);
    assert_eq!(status, 403);
    let (status, _) = curl(&[
        "-X",
        "DELETE",
        &format!("{base}/api/v1/docs/{id}"),
        "-H",
        "Origin: https://evil.example",
    ]);
    assert_eq!(status, 403);
    // A websocket from another origin is refused even without --public-url.
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
            server.ws(&id, ""),
        )
        .unwrap();
    request
        .headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!(
            "a foreign websocket was not refused: {:?}",
            other.map(|_| ())
        ),
    }
}

#[tokio::test]
async fn strangers_learn_nothing_and_tokens_have_one_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let admin = "admin-token-for-the-test";
    let server = Server::start(dir.path(), &["--private", "--admin-token", admin]);
    let base = server.http();
    let bearer = format!("Authorization: Bearer {admin}");
    let create = |title: &str| {
        let (status, body) = curl(&[
            "-X",
            "POST",
            &format!("{base}/api/v1/docs"),
            "-H",
            &bearer,
            "-H",
            "content-type: application/json",
            "-d",
            &format!(r#"{{"title":"{title}"}}"#),
        ]);
        assert_eq!(status, 201, "{body}");
        json(&body)["id"].as_str().unwrap().to_owned()
    };
    let existing = create("kept");
    let deleted = create("gone");
    let (status, body) = curl(&[
        "-X",
        "DELETE",
        &format!("{base}/api/v1/docs/{deleted}"),
        "-H",
        &bearer,
    ]);
    assert!(status == 200 || status == 204, "{status} {body}");
    let (status, _) = curl(&[&format!("{base}/api/v1/docs/{deleted}"), "-H", &bearer]);
    assert_eq!(status, 410, "the admin sees that it was deleted");
    for id in [&existing, &deleted, &"neverexisted".to_owned()] {
        let (status, body) = curl(&[&format!("{base}/api/v1/docs/{id}")]);
        assert_eq!(status, 401, "{id}: {body}");
        let (status, body) = curl(&[&format!("{base}/api/v1/docs/{id}/export/md")]);
        assert_eq!(status, 401, "{id}: {body}");
    }
    // A member token works as issued and not with its MAC in upper case.
    let (status, body) = curl(&[
        "-X",
        "POST",
        &format!("{base}/api/v1/groups"),
        "-H",
        &bearer,
        "-H",
        "content-type: application/json",
        "-d",
        r#"{"name":"5A"}"#,
    ]);
    assert_eq!(status, 201, "{body}");
    let group = json(&body)["id"].as_str().unwrap().to_owned();
    let (status, body) = curl(&[
        "-X",
        "POST",
        &format!("{base}/api/v1/groups/{group}/members"),
        "-H",
        &bearer,
        "-H",
        "content-type: application/json",
        "-d",
        r#"{"name":"Ann","role":"editor"}"#,
    ]);
    assert_eq!(status, 201, "{body}");
    let token = json(&body)["token"].as_str().unwrap().to_owned();
    let (signed, mac) = token.rsplit_once('.').unwrap();
    assert!(mac.chars().any(|c| c.is_ascii_lowercase()), "{mac}");
    let upper = format!("{signed}.{}", mac.to_ascii_uppercase());
    let docs = format!("{base}/api/v1/groups/{group}/docs");
    let (status, body) = curl(&[&docs, "-H", &format!("Authorization: Bearer {token}")]);
    assert_eq!(status, 200, "{body}");
    let (status, body) = curl(&[&docs, "-H", &format!("Authorization: Bearer {upper}")]);
    assert_eq!(status, 401, "{body}");
    // The largest bucket the contributions take is answered, not overflowed.
    let (status, body) = curl(&[
        &format!("{base}/api/v1/docs/{existing}/contributions?bucket=18446744073709551615"),
        "-H",
        &bearer,
    ]);
    assert_eq!(status, 200, "{body}");
    assert!(json(&body)["timeline"]["bucket_ms"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn roles_outside_groups_and_whose_tokens_a_teacher_sees() {
    let dir = tempfile::tempdir().unwrap();
    let admin = "admin-token-for-roles";
    let server = Server::start(dir.path(), &["--private", "--admin-token", admin]);
    let base = server.http();
    let bearer = |token: &str| format!("Authorization: Bearer {token}");
    let post = |token: &str, path: &str, body: &str| {
        curl(&[
            "-X",
            "POST",
            &format!("{base}/api/v1{path}"),
            "-H",
            &bearer(token),
            "-H",
            "content-type: application/json",
            "-d",
            body,
        ])
    };
    let (status, body) = post(admin, "/groups", r#"{"name":"5A"}"#);
    assert_eq!(status, 201, "{body}");
    let group = json(&body)["id"].as_str().unwrap().to_owned();
    let mut tokens = std::collections::HashMap::new();
    for (name, role) in [
        ("T1", "teacher"),
        ("T2", "teacher"),
        ("Ed", "editor"),
        ("Vi", "viewer"),
    ] {
        let (status, body) = post(
            admin,
            &format!("/groups/{group}/members"),
            &format!(r#"{{"name":"{name}","role":"{role}"}}"#),
        );
        assert_eq!(status, 201, "{body}");
        tokens.insert(name, json(&body)["token"].as_str().unwrap().to_owned());
    }
    // Outside groups on a private server: a viewer reads, others write.
    let (status, body) = post(&tokens["Vi"], "/docs", r#"{"title":"mine"}"#);
    assert_eq!(status, 403, "a viewer creates nothing: {body}");
    let (status, body) = post(&tokens["Ed"], "/docs", r#"{"title":"open"}"#);
    assert_eq!(status, 201, "{body}");
    let open = json(&body)["id"].as_str().unwrap().to_owned();
    let (status, body) = curl(&[
        "-X",
        "POST",
        &format!("{base}/api/v1/docs/{open}/import?format=txt"),
        "-H",
        &bearer(&tokens["Vi"]),
        "-H",
        "content-type: text/plain",
        "--data-binary",
        "vandal",
    ]);
    assert_eq!(status, 403, "a viewer writes nothing: {body}");
    let (status, body) = curl(&[
        &format!("{base}/api/v1/docs/{open}"),
        "-H",
        &bearer(&tokens["Vi"]),
    ]);
    assert_eq!(status, 200, "a viewer reads: {body}");
    // A teacher sees editors' and viewers' tokens and their own, not another teacher's.
    let members = |token: &str| {
        let (status, body) = curl(&[
            &format!("{base}/api/v1/groups/{group}/members"),
            "-H",
            &bearer(token),
        ]);
        assert_eq!(status, 200, "{body}");
        json(&body)["members"].as_array().unwrap().clone()
    };
    let seen = |list: &[Value], name: &str| {
        list.iter().find(|m| m["name"] == name).unwrap()["token"]
            .as_str()
            .map(str::to_owned)
    };
    let by_teacher = members(&tokens["T1"]);
    assert_eq!(by_teacher.len(), 4);
    assert_eq!(
        seen(&by_teacher, "T1").as_deref(),
        Some(tokens["T1"].as_str())
    );
    assert_eq!(
        seen(&by_teacher, "T2"),
        None,
        "another teacher's token stays hidden"
    );
    assert_eq!(
        seen(&by_teacher, "Ed").as_deref(),
        Some(tokens["Ed"].as_str())
    );
    assert_eq!(
        seen(&by_teacher, "Vi").as_deref(),
        Some(tokens["Vi"].as_str())
    );
    let by_admin = members(admin);
    assert_eq!(
        seen(&by_admin, "T2").as_deref(),
        Some(tokens["T2"].as_str())
    );
}

/// Opens a websocket by hand on `addr` for `doc`; returns the stream after
/// the 101 answer, so that a test can write frames no client library sends.
fn raw_websocket(addr: &str, doc: &str) -> std::net::TcpStream {
    use std::io::Read as _;
    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.write_all(
        format!(
            "GET /ws/{doc} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        .as_bytes(),
    )
    .unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        tcp.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    tcp
}

/// Reads frames until a Close; its code.
fn close_code(tcp: &mut std::net::TcpStream) -> Option<u16> {
    use std::io::Read as _;
    loop {
        let mut header = [0u8; 2];
        tcp.read_exact(&mut header).ok()?;
        let len = match header[1] & 0x7f {
            126 => {
                let mut ext = [0u8; 2];
                tcp.read_exact(&mut ext).ok()?;
                u64::from(u16::from_be_bytes(ext))
            }
            127 => {
                let mut ext = [0u8; 8];
                tcp.read_exact(&mut ext).ok()?;
                u64::from_be_bytes(ext)
            }
            n => u64::from(n),
        };
        let mut payload = vec![0u8; len as usize];
        tcp.read_exact(&mut payload).ok()?;
        if header[0] & 0x0f == 0x8 {
            return (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]));
        }
    }
}

#[tokio::test]
async fn each_kind_of_bad_frame_gets_its_own_close_code() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let mask = [1u8, 2, 3, 4];
    let masked = |first: u8, payload: &[u8]| {
        let mut frame = vec![first, 0x80 | payload.len() as u8];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        frame
    };
    let cases: [(&str, Vec<u8>, u16); 4] = [
        // A client frame without a mask breaks the protocol.
        ("unmasked", vec![0x82, 0x01, 0x00], 1002),
        // An opcode the protocol does not define.
        ("reserved opcode", masked(0x83, &[0]), 1002),
        // A text frame that is not UTF-8.
        ("invalid text", masked(0x81, &[0xff, 0xfe]), 1007),
        // A text frame: the protocol is binary.
        ("text", masked(0x81, b"hello"), 1003),
    ];
    for (name, frame, expected) in cases {
        let mut tcp = raw_websocket(&server.addr, "frames");
        tcp.write_all(&frame).unwrap();
        assert_eq!(close_code(&mut tcp), Some(expected), "{name}");
    }
    let mut fine = Client::connect(&server.ws("frames", "")).await;
    fine.insert(0, "still served").await;
    assert!(
        fine.pump_until(std::time::Duration::from_secs(5), |c| c.text()
            == "still served")
            .await
    );
}
