//! `quire export` and `quire import`, on a data directory and through a server.

use std::process::Command;

use quire_tests::Server;
use quire_tests::server::binary;

fn quire(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(binary())
        .args(args)
        .output()
        .expect("quire runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn import_then_export_on_a_data_directory_and_through_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let source = dir.path().join("plan.md");
    std::fs::write(
        &source,
        "# Plan\n\n- one\n- **two**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    )
    .unwrap();

    let (ok, id, err) = quire(&["import", source.to_str().unwrap(), "--data-dir", data]);
    assert!(ok, "{err}");
    let id = id.trim().to_owned();
    assert!(err.contains("degraded to text: table"), "{err}");

    let (ok, md, err) = quire(&[
        "export",
        &id,
        "--format",
        "md",
        "-o",
        "-",
        "--data-dir",
        data,
    ]);
    assert!(ok, "{err}");
    assert!(md.starts_with("# Plan\n\n- one\n- **two**"), "{md}");

    let all = dir.path().join("all");
    let (ok, _, err) = quire(&[
        "export",
        "--all",
        all.to_str().unwrap(),
        "--format",
        "docx",
        "--data-dir",
        data,
    ]);
    assert!(ok, "{err}");
    let docx = std::fs::read(all.join(format!("{id}.docx"))).unwrap();
    assert!(docx.starts_with(b"PK"), "a zip package");

    let (ok, _, err) = quire(&["export", "missing", "--data-dir", data]);
    assert!(!ok);
    assert!(err.contains("no document missing"), "{err}");

    // With the server running, the same commands go through it.
    let server = Server::start(std::path::Path::new(data), &[]);
    let url = server.http();
    let (ok, _, err) = quire(&["export", &id, "-o", "-", "--data-dir", data]);
    assert!(!ok, "the running server holds the data directory");
    assert!(err.contains("--server"), "{err}");
    let (ok, txt, err) = quire(&[
        "export", &id, "--format", "txt", "-o", "-", "--server", &url,
    ]);
    assert!(ok, "{err}");
    assert!(txt.contains("two"), "{txt}");
    let more = dir.path().join("more.txt");
    std::fs::write(&more, "appended line").unwrap();
    let (ok, _, err) = quire(&[
        "import",
        more.to_str().unwrap(),
        "--doc",
        &id,
        "--append",
        "--server",
        &url,
    ]);
    assert!(ok, "{err}");
    let (_, txt, _) = quire(&[
        "export", &id, "--format", "txt", "-o", "-", "--server", &url,
    ]);
    assert!(txt.trim_end().ends_with("appended line"), "{txt}");
}

/// `curl` with a bearer token and a JSON body; returns the answer's JSON.
fn post_json(url: &str, token: &str, body: &str) -> serde_json::Value {
    let out = Command::new("curl")
        .args(["-s", "-f", "-X", "POST", url])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["-H", "content-type: application/json", "-d", body])
        .output()
        .expect("curl runs");
    assert!(out.status.success(), "POST {url} failed");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn export_all_through_a_server_needs_a_token_for_group_documents() {
    const ADMIN: &str = "admin-token-for-the-cli-test-0123";
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &["--admin-token", ADMIN]);
    let url = server.http();
    let api = format!("{url}/api/v1");
    let group = post_json(&format!("{api}/groups"), ADMIN, r#"{"name":"4B"}"#)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let teacher = post_json(
        &format!("{api}/groups/{group}/members"),
        ADMIN,
        r#"{"name":"Ada","role":"teacher"}"#,
    )["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let in_group = post_json(
        &format!("{api}/docs"),
        &teacher,
        &format!(r#"{{"title":"Essay","group":"{group}"}}"#),
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let open = post_json(&format!("{api}/docs"), ADMIN, r#"{"title":"Open"}"#)["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Without a token the group's document is not listed: the run says so
    // and fails, after exporting what it could.
    let out = dir.path().join("anonymous");
    let (ok, _, err) = quire(&["export", "--all", out.to_str().unwrap(), "--server", &url]);
    assert!(!ok, "an incomplete export must fail: {err}");
    assert!(err.contains("exported 1 of 2 documents"), "{err}");
    assert!(err.contains("--token"), "{err}");
    assert!(out.join(format!("{open}.md")).exists());
    assert!(!out.join(format!("{in_group}.md")).exists());

    // With the admin's token, as a flag or from the environment, everything.
    let out = dir.path().join("admin");
    let (ok, _, err) = quire(&[
        "export",
        "--all",
        out.to_str().unwrap(),
        "--server",
        &url,
        "--token",
        ADMIN,
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("exported 2 of 2 documents"), "{err}");
    assert!(out.join(format!("{in_group}.md")).exists());
    assert!(out.join(format!("{open}.md")).exists());
    let env_out = dir.path().join("env");
    let run = Command::new(binary())
        .args([
            "export",
            "--all",
            env_out.to_str().unwrap(),
            "--server",
            &url,
        ])
        .env("QUIRE_TOKEN", &teacher)
        .output()
        .unwrap();
    // The teacher sees the group's document and the open one.
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(env_out.join(format!("{in_group}.md")).exists());

    // One document through the server: a refusal is the server's message.
    let (ok, _, err) = quire(&["export", &in_group, "-o", "-", "--server", &url]);
    assert!(!ok);
    assert!(err.contains("401") && err.contains("token"), "{err}");
    let (ok, _, err) = quire(&[
        "export", &in_group, "-o", "-", "--server", &url, "--token", &teacher,
    ]);
    assert!(ok, "{err}");
}
