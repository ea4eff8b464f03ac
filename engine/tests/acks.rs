//! Property: whatever happens, the engine never sends `Saved` for an update
//! that a finished sync did not cover (`world` asserts it at every Saved),
//! and after a crash every acknowledged update is in the store.

mod world;

use proptest::prelude::*;
use world::{Op, World};

fn op(clients: usize) -> impl Strategy<Value = Op> {
    let c = 0..clients;
    prop_oneof![
        4 => c.clone().prop_map(Op::Edit),
        4 => c.clone().prop_map(Op::Deliver),
        2 => Just(Op::Commit),
        1 => (1u16..2000).prop_map(Op::Tick),
        1 => Just(Op::Flush),
        2 => any::<bool>().prop_map(Op::FinishWrite),
        2 => any::<bool>().prop_map(Op::FinishSync),
        1 => Just(Op::Stall),
        1 => c.clone().prop_map(Op::Join),
        1 => c.clone().prop_map(Op::Leave),
        1 => c.prop_map(Op::Lag),
        1 => Just(Op::Crash),
        1 => Just(Op::Unload),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn saved_only_after_a_finished_sync(
        with_acks in 1usize..=3,
        ops in proptest::collection::vec(op(3), 1..80),
    ) {
        let mut world = World::new(3, with_acks);
        for c in 0..world.clients() {
            world.step(&Op::Join(c));
        }
        for op in &ops {
            world.step(op);
        }
        world.step(&Op::Crash);
        for c in 0..world.clients() {
            world.step(&Op::Join(c));
        }
        world.settle();
    }
}
