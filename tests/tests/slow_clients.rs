//! Clients that hold connections without using them: requests that never
//! finish their headers, floods of refused upgrades, and websockets whose
//! other end went silent. Each is closed, counted, and costs others nothing.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use quire_tests::{Client, Server};

/// Sends `method path` with `headers` over a fresh connection; the whole response.
fn request(server: &Server, method: &str, path: &str, headers: &str) -> String {
    let mut tcp = TcpStream::connect(&server.addr).unwrap();
    write!(
        tcp,
        "{method} {path} HTTP/1.1\r\nHost: q\r\n{headers}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    tcp.read_to_string(&mut response).unwrap();
    response
}

fn get(server: &Server, path: &str) -> String {
    request(server, "GET", path, "")
}

/// The value of a metric without labels.
fn metric(server: &Server, name: &str) -> f64 {
    let text = get(server, "/metrics");
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name} "))?.parse().ok())
        .unwrap_or_else(|| panic!("{name} missing from /metrics"))
}

/// Whether the server closed `tcp` (EOF or reset) within `limit`.
fn closed_within(tcp: &mut TcpStream, limit: Duration) -> bool {
    tcp.set_read_timeout(Some(limit)).unwrap();
    let mut byte = [0u8; 64];
    loop {
        match tcp.read(&mut byte) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) => {
                return e.kind() != std::io::ErrorKind::WouldBlock
                    && e.kind() != std::io::ErrorKind::TimedOut;
            }
        }
    }
}

#[tokio::test]
async fn unfinished_requests_time_out_and_connections_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &["--header-timeout-secs", "1", "--max-connections", "40"],
    );
    // Eighty connections that start a request and never finish it.
    let mut idle: Vec<TcpStream> = (0..80)
        .map(|_| {
            let mut tcp = TcpStream::connect(&server.addr).unwrap();
            tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: q\r\n")
                .unwrap();
            tcp
        })
        .collect();
    // Without the header timeout they would stay open for good.
    for tcp in &mut idle {
        assert!(
            closed_within(tcp, Duration::from_secs(60)),
            "closed by the server"
        );
    }
    assert!(
        metric(&server, "quire_tcp_refused_total") >= 40.0,
        "past the cap, connections are closed at once"
    );
    // The server serves as before.
    let mut client = Client::connect(&server.ws("after-the-flood", "acks=1")).await;
    client.insert(0, "still serving").await;
    assert!(client.wait_saved().await);
}

#[tokio::test]
async fn a_flood_of_refused_upgrades_leaves_others_unharmed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let mut writer = Client::connect(&server.ws("busy", "acks=1")).await;
    let before = metric(&server, "quire_refused_connections_total");
    let flood: Vec<_> = (0..200)
        .map(|i| {
            let url = match i % 2 {
                0 => server.ws("bad%20id!", ""),
                _ => server.ws("busy", "author=short"),
            };
            tokio::spawn(async move { tokio_tungstenite::connect_async(&url).await.is_err() })
        })
        .collect();
    writer.insert(0, "typed during the flood").await;
    for attempt in flood {
        assert!(attempt.await.unwrap(), "every bad upgrade is refused");
    }
    assert!(writer.wait_saved().await);
    let refused = metric(&server, "quire_refused_connections_total") - before;
    assert!(refused >= 100.0, "refusals are counted: {refused}");
    let reader = Client::connect(&server.ws("busy", "")).await;
    assert_eq!(reader.text(), "typed during the flood");
}

#[tokio::test]
async fn a_silent_websocket_is_closed_by_the_ping_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &["--ping-secs", "1", "--idle-timeout-secs", "2"],
    );
    // A websocket whose client never reads again: pings go unanswered, as
    // with a peer that vanished without closing.
    let (silent, _) = tokio_tungstenite::connect_async(server.ws("quiet", ""))
        .await
        .unwrap();
    // The server counts the connection once its upgraded task runs, which
    // may be just after the handshake's answer.
    let deadline = Instant::now() + Duration::from_secs(60);
    while metric(&server, "quire_connections") < 1.0 {
        assert!(Instant::now() < deadline, "the connection is never counted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(metric(&server, "quire_connections"), 1.0);
    while metric(&server, "quire_connections") > 0.0 {
        assert!(
            Instant::now() < deadline,
            "the silent connection is still open"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(silent);
}

/// The resident memory of a process, in MiB.
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib / 1024.0
}

/// Types 40 updates of 3 KiB into its own root, one every 50 ms, while
/// draining everything it receives as fast as it comes; returns the updates
/// sent and acknowledged.
async fn typist(url: String, t: usize) -> (u64, u64) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use yrs::{Text, Transact};

    let (socket, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let (mut sink, mut stream) = socket.split();
    let saved = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let acks = saved.clone();
    tokio::spawn(async move {
        while let Some(Ok(message)) = stream.next().await {
            if let Message::Binary(frame) = message
                && let Some(count) = crdt_core::protocol::decode_saved(&frame)
            {
                acks.store(count, std::sync::atomic::Ordering::Relaxed);
            }
        }
    });
    let doc = yrs::Doc::new();
    let text = doc.get_or_insert_text(format!("t{t}"));
    let chunk = format!("{t:03}{}", "x".repeat(3 * 1024));
    const UPDATES: u64 = 40;
    for _ in 0..UPDATES {
        let update = {
            let mut txn = doc.transact_mut();
            let len = text.len(&txn);
            text.insert(&mut txn, len, &chunk);
            txn.encode_update_v1()
        };
        let frame = crdt_core::protocol::update(&update);
        sink.send(Message::Binary(frame)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let acknowledged = || saved.load(std::sync::atomic::Ordering::Relaxed);
    while acknowledged() < UPDATES && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = sink.send(Message::Close(None)).await;
    (UPDATES, acknowledged())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_stops_reading_while_a_hundred_type_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--send-queue-bytes", "2097152"]);
    let pid = server.pid().unwrap();
    let url = server.ws("crowded", "acks=1");
    // Connects with a small receive buffer, then never reads again.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(32 * 1024).unwrap();
    let tcp = socket.connect(server.addr.parse().unwrap()).await.unwrap();
    let (stalled, _) = tokio_tungstenite::client_async(url.as_str(), tcp)
        .await
        .unwrap();
    let before = rss_mib(pid);
    let typists: Vec<_> = (0..100)
        .map(|t| tokio::spawn(typist(url.clone(), t)))
        .collect();
    for typist in typists {
        let (sent, saved) = typist.await.unwrap();
        assert_eq!(saved, sent, "every typist is served to the end");
    }
    // 100 × 40 updates of 3 KiB reach every peer: 12 MiB, more than the
    // stalled reader's queue (2 MiB) and socket buffers hold; the typists,
    // which read, stay within theirs even on a busy machine.
    let grown = rss_mib(pid) - before;
    eprintln!("server RSS grew by {grown:.0} MiB for a 12 MiB document");
    assert!(metric(&server, "quire_lagging_closed_total") >= 1.0);
    assert!(grown < 200.0, "memory stays bounded: grew {grown:.0} MiB");
    drop(stalled);
}

#[tokio::test]
async fn a_client_that_keeps_sending_still_gets_the_close_reason() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    const ADMIN: &str = "admin-token-for-the-close-test-0123";
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--admin-token", ADMIN]);
    for round in 0..10 {
        let doc = format!("closing-{round}");
        let mut writer = Client::connect(&server.ws(&doc, "acks=1")).await;
        writer.insert(0, "soon deleted").await;
        assert!(writer.wait_saved().await);
        // A peer that sends awareness every few milliseconds and never stops.
        let (socket, _) = tokio_tungstenite::connect_async(server.ws(&doc, ""))
            .await
            .unwrap();
        let (mut sink, mut stream) = socket.split();
        let chatted = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let count = chatted.clone();
        let chatter = tokio::spawn(async move {
            let state = br#"{"user":{"name":"chatty"}}"#;
            for clock in 1u8.. {
                let mut update = vec![1, 0x2a, clock & 0x7f, state.len() as u8];
                update.extend_from_slice(state);
                let frame = crdt_core::protocol::awareness(&update);
                if sink.send(Message::Binary(frame)).await.is_err() {
                    break;
                }
                count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        });
        // The peer is chattering when the document is deleted.
        let deadline = Instant::now() + Duration::from_secs(30);
        while chatted.load(std::sync::atomic::Ordering::Relaxed) < 10 {
            assert!(Instant::now() < deadline, "the peer never sent");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let deleted = request(
            &server,
            "DELETE",
            &format!("/api/v1/docs/{doc}"),
            &format!("Authorization: Bearer {ADMIN}\r\n"),
        );
        assert!(deleted.starts_with("HTTP/1.1 204"), "{deleted}");
        let reason = loop {
            match tokio::time::timeout(Duration::from_secs(30), stream.next()).await {
                Ok(Some(Ok(Message::Close(frame)))) => {
                    break frame.map(|f| f.reason.to_string()).unwrap_or_default();
                }
                Ok(Some(Ok(_))) => continue,
                other => panic!("round {round}: no close frame: {other:?}"),
            }
        };
        assert_eq!(reason, "document deleted", "round {round}");
        chatter.abort();
    }
}
