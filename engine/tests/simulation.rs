//! Seeded deterministic simulation of one document: random interleavings
//! of several Yjs clients editing, connecting and leaving, store writes and
//! syncs that finish late, fail or never finish, ticks, and crashes that
//! drop everything not synced (see `world` for what is checked).
//!
//! `QUIRE_SIM_SCHEDULES=N` runs N schedules (default 10,000);
//! `QUIRE_SIM_SEED=S` runs the one schedule of seed S (a failure prints it).

mod world;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use world::{Op, World};

/// A schedule of `steps` random steps for `clients` clients.
fn schedule(rng: &mut StdRng, clients: usize, steps: usize) -> Vec<Op> {
    (0..steps)
        .map(|_| {
            let c = rng.random_range(0..clients);
            match rng.random_range(0..100) {
                0..18 => Op::Edit(c),
                18..40 => Op::Deliver(c),
                40..52 => Op::Commit,
                52..57 => Op::Tick(rng.random_range(1..1500)),
                57..60 => Op::Flush,
                60..72 => Op::FinishWrite(rng.random_bool(0.75)),
                72..84 => Op::FinishSync(rng.random_bool(0.75)),
                84..85 => Op::Stall,
                85..91 => Op::Join(c),
                91..93 => Op::Leave(c),
                93..95 => Op::Lag(c),
                95..97 => Op::Crash,
                _ => Op::Unload,
            }
        })
        .collect()
}

fn run(seed: u64) -> world::Counts {
    let mut rng = StdRng::seed_from_u64(seed);
    let clients = rng.random_range(2..=4);
    let with_acks = rng.random_range(1..=clients);
    let steps = rng.random_range(30..80);
    let mut world = World::new(clients, with_acks);
    for c in 0..clients {
        if rng.random_bool(0.7) {
            world.step(&Op::Join(c));
        }
    }
    for op in schedule(&mut rng, clients, steps) {
        world.step(&op);
    }
    world.settle();
    world.stats
}

fn run_reporting(seed: u64) -> world::Counts {
    match std::panic::catch_unwind(|| run(seed)) {
        Ok(counts) => counts,
        Err(panic) => {
            eprintln!("simulation failed with seed {seed}: rerun it with QUIRE_SIM_SEED={seed}");
            std::panic::resume_unwind(panic)
        }
    }
}

#[test]
fn seeded_schedules_keep_every_promise() {
    if let Ok(seed) = std::env::var("QUIRE_SIM_SEED") {
        let seed = seed.parse().expect("QUIRE_SIM_SEED is a number");
        eprintln!("{:?}", run_reporting(seed));
        return;
    }
    let schedules: u64 = std::env::var("QUIRE_SIM_SCHEDULES").map_or(10_000, |n| {
        n.parse().expect("QUIRE_SIM_SCHEDULES is a number")
    });
    let mut total = world::Counts::default();
    for seed in 0..schedules {
        let counts = run_reporting(seed);
        total.saved += counts.saved;
        total.crashes += counts.crashes;
        total.failures += counts.failures;
        total.closes += counts.closes;
    }
    eprintln!("{schedules} schedules: {total:?}");
    // The schedules reach what they are meant to test.
    if schedules >= 1000 {
        assert!(total.saved > schedules, "{total:?}");
        assert!(total.crashes > schedules / 10, "{total:?}");
        assert!(total.failures > schedules / 10, "{total:?}");
        assert!(total.closes > schedules / 100, "{total:?}");
    }
}
