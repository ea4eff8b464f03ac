//! Bounds on what one document, and one caller, may cost: a document's disk
//! use (`--max-doc-disk-bytes`) with its history whole, the rate of
//! document creation per address and per member, and how many idle
//! documents stay loaded (`--max-loaded-docs`).

use std::time::{Duration, Instant};

use quire_tests::http::{self, json};
use quire_tests::{Client, Server};

/// `curl` with `args`: the status, the headers (`name: value` lines, lower
/// case) and the body.
fn curl(args: &[&str]) -> (u16, String, String) {
    let response = http::request(args);
    let head = response
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {}\n", v.to_lowercase()))
        .collect();
    (response.status, head, response.text())
}

fn create(base: &str, extra: &[&str]) -> (u16, String, String) {
    let url = format!("{base}/api/v1/docs");
    let mut args = vec![
        "-X",
        "POST",
        url.as_str(),
        "-H",
        "content-type: application/json",
        "-d",
        r#"{"title":"Limits"}"#,
    ];
    args.extend_from_slice(extra);
    curl(&args)
}

fn created_id(response: (u16, String, String)) -> String {
    let (status, _, body) = response;
    assert_eq!(status, 201, "{body}");
    json(&body)["id"].as_str().unwrap().to_owned()
}

fn export_txt(base: &str, id: &str, rev: Option<u64>) -> String {
    let rev = rev.map_or(String::new(), |r| format!("?rev={r}"));
    let (status, _, body) = curl(&[&format!("{base}/api/v1/docs/{id}/export/txt{rev}")]);
    assert_eq!(status, 200, "{body}");
    body
}

fn metric(base: &str, name: &str) -> f64 {
    let (_, _, text) = curl(&[&format!("{base}/metrics")]);
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} in {text}"))
}

/// Appends a paragraph to the document body; returns the message number.
async fn append_paragraph(client: &mut Client, text: &str) -> u64 {
    let update = {
        use yrs::{Transact, XmlElementPrelim, XmlFragment, XmlTextPrelim};
        let fragment = client.doc.get_or_insert_xml_fragment("content");
        let mut txn = client.doc.transact_mut();
        let len = fragment.len(&txn);
        let p = fragment.insert(&mut txn, len, XmlElementPrelim::empty("paragraph"));
        p.push_back(&mut txn, XmlTextPrelim::new(text));
        txn.encode_update_v1()
    };
    client.send_update(update).await;
    client.sent
}

fn chunk(i: usize) -> String {
    format!("chunk {i:03} {}", "x".repeat(2000))
}

#[tokio::test]
async fn a_document_at_its_disk_limit_refuses_updates_and_keeps_every_revision() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--max-doc-disk-bytes",
        "120000",
        "--checkpoint-entries",
        "2",
        "--checkpoint-bytes",
        "4096",
    ];
    let mut server = Server::start(dir.path(), &args);
    let base = server.http();
    let id = created_id(create(&base, &[]));
    let (_, _, meta) = curl(&[&format!("{base}/api/v1/docs/{id}")]);
    let first = json(&meta)["revisions"].as_u64().unwrap();

    let mut client = Client::connect(&server.ws(&id, "acks=1")).await;
    let mut acknowledged = 0;
    let refused = loop {
        assert!(acknowledged < 200, "the limit never refused an update");
        let number = append_paragraph(&mut client, &chunk(acknowledged)).await;
        client
            .pump_until(Duration::from_secs(10), |c| c.saved >= number)
            .await;
        if client.closed.is_some() {
            break client.closed.clone().flatten().expect("a close frame");
        }
        assert!(client.saved >= number, "chunk {acknowledged} acknowledged");
        acknowledged += 1;
    };
    assert_eq!(u16::from(refused.code), 1009, "{refused:?}");
    assert!(refused.reason.contains("storage limit"), "{refused:?}");
    assert!(acknowledged >= 10, "only {acknowledged} fitted");
    assert!(metric(&base, "quire_doc_disk_full_total") >= 1.0);
    assert!(
        metric(&base, "quire_checkpoints_removed_total") >= 1.0,
        "retention removed checkpoints"
    );

    // The refused update changed nothing; every acknowledged one is there.
    let now = export_txt(&base, &id, None);
    assert!(now.contains(&chunk(acknowledged - 1)), "{now}");
    assert!(!now.contains(&format!("chunk {acknowledged:03}")));

    // An import as large is refused as clearly, and changes nothing.
    let imported = format!("imported {}", "y".repeat(2100));
    let (status, _, body) = curl(&[
        "-X",
        "POST",
        &format!("{base}/api/v1/docs/{id}/import?format=txt&mode=append"),
        "-H",
        "content-type: text/plain",
        "--data-binary",
        &imported,
    ]);
    assert_eq!(status, 507, "{body}");
    assert_eq!(json(&body)["error"], "storage_full");
    assert_eq!(export_txt(&base, &id, None), now);

    // History lists and rebuilds every revision it promises.
    let (_, _, history) = curl(&[&format!("{base}/api/v1/docs/{id}/history?limit=1000")]);
    let history = json(&history);
    let revisions: Vec<u64> = history["items"]
        .as_array()
        .expect("a list of revisions")
        .iter()
        .map(|r| r["rev"].as_u64().unwrap())
        .collect();
    let last = first + acknowledged as u64;
    assert_eq!(revisions.last(), Some(&last), "{history}");
    for i in 0..acknowledged {
        let text = export_txt(&base, &id, Some(first + 1 + i as u64));
        assert!(
            text.contains(&chunk(i)),
            "revision {} lacks chunk {i}",
            first + 1 + i as u64
        );
        assert!(
            !text.contains(&format!("chunk {:03}", i + 1)),
            "revision {} has chunk {}",
            first + 1 + i as u64,
            i + 1
        );
    }

    // After a crash the document still knows how much it stores.
    server.restart();
    let mut again = Client::connect(&server.ws(&id, "acks=1")).await;
    append_paragraph(&mut again, &chunk(999)).await;
    assert_eq!(again.wait_closed().await, Some(1009));
    assert_eq!(export_txt(&server.http(), &id, None), now);
}

#[tokio::test]
async fn creating_documents_is_rate_limited_per_address_and_per_member() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &[
            "--max-creates-per-minute",
            "3",
            "--admin-token",
            "admin-secret-for-tests",
        ],
    );
    let base = server.http();
    let ids: Vec<String> = (0..3).map(|_| created_id(create(&base, &[]))).collect();
    let (status, headers, body) = create(&base, &[]);
    assert_eq!(status, 429, "{body}");
    assert_eq!(json(&body)["error"], "too_many_creations");
    let retry: u64 = headers
        .lines()
        .find_map(|l| l.strip_prefix("retry-after: "))
        .expect("Retry-After")
        .trim()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    // A forged X-Forwarded-For is not believed unless configured.
    let forged = create(&base, &["-H", "x-forwarded-for: 203.0.113.7"]);
    assert_eq!(forged.0, 429);

    // Opening a new id over the websocket creates a document: refused
    // before the upgrade. An existing document opens as usual.
    let refused = tokio_tungstenite::connect_async(server.ws("brand-new-id", "")).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 429)
        }
        other => panic!("expected 429, got {:?}", other.map(|_| ())),
    }
    let mut open = Client::connect(&server.ws(&ids[0], "acks=1")).await;
    open.insert(0, "still editable").await;
    assert!(open.wait_saved().await);

    // The admin is not limited; a member is limited on their own.
    let admin = ["-H", "authorization: Bearer admin-secret-for-tests"];
    created_id(create(&base, &admin));
    let (_, _, group) = curl(&[
        "-X",
        "POST",
        &format!("{base}/api/v1/groups"),
        "-H",
        "content-type: application/json",
        "-H",
        admin[1],
        "-d",
        r#"{"name":"Class"}"#,
    ]);
    let group = json(&group)["id"].as_str().unwrap().to_owned();
    let (_, _, member) = curl(&[
        "-X",
        "POST",
        &format!("{base}/api/v1/groups/{group}/members"),
        "-H",
        "content-type: application/json",
        "-H",
        admin[1],
        "-d",
        r#"{"name":"Ada","role":"teacher"}"#,
    ]);
    let token = json(&member)["token"].as_str().unwrap().to_owned();
    let bearer = format!("authorization: Bearer {token}");
    let in_group = |n: u16| {
        let url = format!("{base}/api/v1/docs");
        let body = format!(r#"{{"title":"G","group":"{group}"}}"#);
        let (status, _, body) = curl(&[
            "-X",
            "POST",
            &url,
            "-H",
            "content-type: application/json",
            "-H",
            &bearer,
            "-d",
            &body,
        ]);
        assert_eq!(status, n, "{body}");
    };
    for _ in 0..3 {
        in_group(201);
    }
    in_group(429);
    assert!(metric(&base, "quire_creations_throttled_total") >= 4.0);
}

#[tokio::test]
async fn idle_documents_unload_early_past_max_loaded_docs_and_keep_their_edits() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &["--max-loaded-docs", "2", "--max-creates-per-minute", "1000"],
    );
    let base = server.http();
    let mut kept = Client::connect(&server.ws("kept", "acks=1")).await;
    kept.insert(0, "[kept]").await;
    assert!(kept.wait_saved().await);
    for i in 0..6 {
        let mut client = Client::connect(&server.ws(&format!("idle-{i}"), "acks=1")).await;
        client.insert(0, &format!("[idle {i}]")).await;
        assert!(client.wait_saved().await);
    }
    // Without the bound all seven would stay loaded for --idle-unload-secs.
    let loaded = || {
        let (_, _, body) = curl(&[&format!("{base}/healthz")]);
        json(&body)["documents_loaded"].as_u64().unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while loaded() > 3 && Instant::now() < deadline {
        kept.pump(Duration::from_millis(100)).await;
    }
    assert!(loaded() <= 3, "{} documents loaded", loaded());
    assert!(metric(&base, "quire_docs_evicted_total") >= 3.0);

    // The document with a connection stayed, and every edit is there.
    kept.insert(6, "[more]").await;
    assert!(
        kept.wait_saved().await,
        "the connected document still saves"
    );
    assert_eq!(kept.text(), "[kept][more]");
    for i in 0..6 {
        let client = Client::connect(&server.ws(&format!("idle-{i}"), "")).await;
        assert_eq!(client.text(), format!("[idle {i}]"));
    }
}
