//! Session scripts: the steps of a `session` input and their encoding.

/// One step of a session script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Connection `conn` sends one frame.
    Frame { conn: u8, frame: Vec<u8> },
    /// The clock moves on by `secs` seconds and stale awareness expires.
    Tick { secs: u8 },
    /// Connection `conn` closes and connects again.
    Reconnect { conn: u8 },
    /// Every invariant is checked now (they are also checked at the end).
    Check,
}

/// Script options, the first byte of a session input.
pub mod options {
    /// The second connection is read-only.
    pub const READ_ONLY: u8 = 1;
    /// The third connection writes as the first one's author.
    pub const SHARED_AUTHOR: u8 = 2;
    /// A third connection is open.
    pub const THREE: u8 = 4;
}

const OP_TICK: u8 = 12;
const OP_RECONNECT: u8 = 13;
const OP_CHECK: u8 = 14;

/// Encodes a script as fuzz input: options, then per step an op byte whose
/// high nibble is the kind (0-11 frame, 12 tick, 13 reconnect, 14-15 check)
/// and whose low nibble is the connection; a frame follows as a 16-bit
/// little-endian length and its bytes, a tick as one byte of seconds.
pub fn encode_script(options: u8, steps: &[Step]) -> Vec<u8> {
    let mut out = vec![options];
    for step in steps {
        match step {
            Step::Frame { conn, frame } => {
                out.push(conn & 0x0f);
                let len = u16::try_from(frame.len()).expect("a frame under 64 KiB");
                out.extend(len.to_le_bytes());
                out.extend(frame);
            }
            Step::Tick { secs } => out.extend([OP_TICK << 4, *secs]),
            Step::Reconnect { conn } => out.push(OP_RECONNECT << 4 | (conn & 0x0f)),
            Step::Check => out.push(OP_CHECK << 4),
        }
    }
    out
}

/// Decodes fuzz input as a script; a truncated tail is cut short.
pub fn decode_script(data: &[u8]) -> (u8, Vec<Step>) {
    let Some((&options, mut rest)) = data.split_first() else {
        return (0, Vec::new());
    };
    let mut steps = Vec::new();
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        let conn = op & 0x0f;
        match op >> 4 {
            OP_TICK => {
                let Some((&secs, tail)) = rest.split_first() else {
                    break;
                };
                rest = tail;
                steps.push(Step::Tick { secs });
            }
            OP_RECONNECT => steps.push(Step::Reconnect { conn }),
            14 | 15 => steps.push(Step::Check),
            _ => {
                let Some((len, tail)) = rest.split_first_chunk::<2>() else {
                    break;
                };
                let len = usize::from(u16::from_le_bytes(*len)).min(tail.len());
                let (frame, tail) = tail.split_at(len);
                rest = tail;
                steps.push(Step::Frame {
                    conn,
                    frame: frame.to_vec(),
                });
            }
        }
    }
    (options, steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_round_trip() {
        let steps = vec![
            Step::Frame {
                conn: 1,
                frame: vec![0, 0, 1, 0],
            },
            Step::Tick { secs: 31 },
            Step::Reconnect { conn: 2 },
            Step::Check,
        ];
        let data = encode_script(options::THREE, &steps);
        assert_eq!(decode_script(&data), (options::THREE, steps));
    }
}
