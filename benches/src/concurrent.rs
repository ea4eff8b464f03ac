//! A concurrent trace replayed as its peers: one document per agent, each
//! transaction made on its agent's document once that document holds exactly
//! the transaction's parents, then every peer's state merged.

use yrs::updates::decoder::Decode;
use yrs::{Doc, GetString, ReadTxn, StateVector, Transact, Update};

use crate::keystrokes::{apply_patch, text_doc};
use crate::traces::ConcurrentTrace;

/// The peers' documents after replaying a trace.
#[derive(Debug)]
pub struct Peers {
    /// Each agent's final state, one v1 update each.
    pub states: Vec<Vec<u8>>,
    /// The v1 update of each transaction, in trace order.
    pub txn_updates: Vec<Vec<u8>>,
}

/// The Yjs client id of agent `agent`.
pub fn client_of(agent: usize) -> u64 {
    agent as u64 + 1
}

/// Replays `trace` with one yrs document per agent. Before an agent makes a
/// transaction, its document receives every ancestor it lacks (in trace
/// order, which is a topological order), as a peer would over the network.
pub fn replay(trace: &ConcurrentTrace) -> Peers {
    let n = trace.txns.len();
    let docs: Vec<Doc> = (0..trace.num_agents)
        .map(|a| text_doc(client_of(a)))
        .collect();
    let texts: Vec<_> = docs.iter().map(|d| d.get_or_insert_text("text")).collect();
    let mut has = vec![vec![false; n]; trace.num_agents];
    let mut updates: Vec<Vec<u8>> = Vec::with_capacity(n);
    let mut missing = Vec::new();
    let mut stack = Vec::new();
    for (i, txn) in trace.txns.iter().enumerate() {
        let agent = txn.agent;
        let seen = &mut has[agent];
        stack.extend(txn.parents.iter().copied().filter(|&p| !seen[p]));
        while let Some(t) = stack.pop() {
            if seen[t] {
                continue;
            }
            seen[t] = true;
            missing.push(t);
            stack.extend(trace.txns[t].parents.iter().copied().filter(|&p| !seen[p]));
        }
        let doc = &docs[agent];
        let mut t = doc.transact_mut();
        if !missing.is_empty() {
            missing.sort_unstable();
            for &m in &missing {
                let update = Update::decode_v1(&updates[m]).expect("own update decodes");
                t.apply_update(update).expect("own update applies");
            }
            missing.clear();
        }
        drop(t);
        let mut t = doc.transact_mut();
        for patch in &txn.patches {
            apply_patch(&texts[agent], &mut t, patch, None);
        }
        updates.push(t.encode_update_v1());
        drop(t);
        seen[i] = true;
    }
    Peers {
        states: docs
            .iter()
            .map(|d| {
                d.transact()
                    .encode_state_as_update_v1(&StateVector::default())
            })
            .collect(),
        txn_updates: updates,
    }
}

/// Merges the peers' states into a fresh yrs document and returns its text.
pub fn merged_text(states: &[Vec<u8>]) -> String {
    let doc = Doc::new();
    let text = doc.get_or_insert_text("text");
    let mut t = doc.transact_mut();
    for s in states {
        t.apply_update(Update::decode_v1(s).expect("state decodes"))
            .expect("state applies");
    }
    text.get_string(&t)
}
