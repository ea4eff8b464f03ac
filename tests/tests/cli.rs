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
