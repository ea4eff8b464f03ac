//! The kill loop: the real binary under load from several clients with
//! `acks=1`, SIGKILLed at random moments and restarted on the same data
//! directory. Every acknowledged edit survives; everyone converges.
//! `QUIRE_KILLS` sets the number of kills (default 50); `QUIRE_SEED` replays
//! the kill times of a run that printed it.

use std::time::Duration;

use quire_tests::{Client, Server};

const TYPISTS: usize = 3;

/// Types into its own root until the server dies; returns the tokens the
/// server acknowledged as durable.
async fn typist(url: String, root: String, run: usize) -> Vec<String> {
    let mut client = Client::connect(&url).await;
    let mut sent: Vec<(u64, String)> = Vec::new();
    for i in 0.. {
        let token = format!("<{run}.{i}>");
        let number = client.append_to(&root, &token).await;
        sent.push((number, token));
        client.pump(Duration::from_millis(3)).await;
        if client.closed.is_some() {
            break;
        }
    }
    let saved = client.saved;
    sent.into_iter()
        .filter(|(n, _)| *n <= saved)
        .map(|(_, token)| token)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_edits_survive_repeated_sigkill() {
    let kills: usize = std::env::var("QUIRE_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(50);
    // The seed chooses when each kill lands; `QUIRE_SEED` replays one.
    let seed = match std::env::var("QUIRE_SEED") {
        Ok(seed) => seed.parse().expect("QUIRE_SEED is a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    };
    eprintln!("kill loop: {kills} kills, seed {seed} (replay with QUIRE_SEED={seed})");
    let dir = tempfile::tempdir().unwrap();
    // Small checkpoints so that kills land between log appends and checkpoints.
    let mut server = Server::start(dir.path(), &["--checkpoint-entries", "40"]);
    let mut acked: Vec<Vec<String>> = vec![Vec::new(); TYPISTS];
    let mut rng = seed;
    for run in 0..kills {
        let url = server.ws("kill-loop", "acks=1");
        let tasks: Vec<_> = (0..TYPISTS)
            .map(|t| tokio::spawn(typist(url.clone(), format!("t{t}"), run)))
            .collect();
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        tokio::time::sleep(Duration::from_millis(50 + (rng >> 33) % 250)).await;
        server.kill();
        for (t, task) in tasks.into_iter().enumerate() {
            acked[t].extend(task.await.expect("typist"));
        }
        server.restart();
    }
    let url = server.ws("kill-loop", "");
    let a = Client::connect(&url).await;
    let b = Client::connect(&url).await;
    let mut total = 0;
    for (t, tokens) in acked.iter().enumerate() {
        let text = a.text_of(&format!("t{t}"));
        assert_eq!(text, b.text_of(&format!("t{t}")), "readers converge");
        for token in tokens {
            assert!(
                text.contains(token.as_str()),
                "acknowledged {token} lost (replay with QUIRE_SEED={seed})"
            );
        }
        total += tokens.len();
    }
    assert!(
        total > kills,
        "the typists got edits acknowledged ({total})"
    );
    eprintln!("kill loop: {kills} kills, {total} acknowledged edits, none lost");
}
