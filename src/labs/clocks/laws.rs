//! Generated operation sequences: random (seeded) calls on fresh clocks,
//! each result compared with the reference model. The error shows the last
//! few operations, so the student can replay the sequence by hand.

use super::{read_entries, ClockOrder, ClockParams, LabLamportClock, LabVectorClock};
use crate::protocols::clocks::VClock;
use crate::sim::{NodeId, Prng};

/// The last few operations, for error messages.
struct OpLog(Vec<String>);

impl OpLog {
    fn push(&mut self, op: String) {
        self.0.push(op);
    }

    fn fail(&self, why: String) -> String {
        let skip = self.0.len().saturating_sub(8);
        let more = if skip > 0 { "..., " } else { "" };
        format!("{why}, after {more}{}", self.0[skip..].join(", "))
    }
}

/// Run `steps` random Lamport operations on a fresh clock and check each
/// returned time (and `time()`) against the rules.
pub(crate) fn lamport<L: LabLamportClock>(
    rng: &mut Prng,
    params: &ClockParams,
    steps: usize,
) -> Result<(), String> {
    let mut clock = L::with_params(params);
    let mut log = OpLog(vec!["new()".into()]);
    if clock.time() != 0 {
        return Err(log.fail(format!("a fresh clock reads {}, expected 0", clock.time())));
    }
    let mut model = 0u64;
    for _ in 0..steps {
        let (op, got) = match rng.below(3) {
            0 => {
                model += 1;
                ("tick()".to_string(), clock.tick())
            }
            1 => {
                model += 1;
                ("on_send()".to_string(), clock.on_send())
            }
            _ => {
                let stamp = rng.below(model + 8);
                model = model.max(stamp) + 1;
                (format!("on_receive({stamp})"), clock.on_receive(stamp))
            }
        };
        if got != model {
            return Err(log.fail(format!("{op} returned {got}, expected {model}")));
        }
        if clock.time() != model {
            let time = clock.time();
            return Err(log.fail(format!("{op} returned {got} but time() is then {time}")));
        }
        log.push(format!("{op} -> {got}"));
    }
    Ok(())
}

/// Clocks each vector sequence works on.
const CLOCKS: usize = 3;

/// Run `steps` random vector-clock operations over three fresh clocks
/// (`c0`..`c2`): increments, merges, copies and comparisons, each checked
/// against [`VClock`].
pub(crate) fn vector<V: LabVectorClock>(
    rng: &mut Prng,
    params: &ClockParams,
    steps: usize,
) -> Result<(), String> {
    let n = params.nodes.max(1);
    let mut clocks: Vec<V> = (0..CLOCKS).map(|_| V::with_params(params)).collect();
    let mut models = vec![VClock::new(n); CLOCKS];
    let mut log = OpLog(vec![format!("c0..c2 = new({n})")]);
    if read_entries(&clocks[0], n) != models[0] {
        let got = read_entries(&clocks[0], n);
        return Err(log.fail(format!("a fresh clock reads {got}, expected all zeros")));
    }
    for _ in 0..steps {
        let a = rng.index(CLOCKS);
        let b = rng.index(CLOCKS);
        let op = match rng.below(8) {
            0..=2 => {
                let k = NodeId(rng.below(u64::from(n)) as u32);
                clocks[a].increment(k);
                models[a].increment(k);
                format!("c{a}.increment({k})")
            }
            3 | 4 => {
                let other = clocks[b].clone();
                clocks[a].merge(&other);
                let other = models[b].clone();
                models[a].merge(&other);
                format!("c{a}.merge(c{b})")
            }
            5 => {
                clocks[a] = clocks[b].clone();
                models[a] = models[b].clone();
                format!("c{a} = c{b}.clone()")
            }
            _ => {
                let b = if rng.below(4) == 0 { a } else { b };
                let got = clocks[a].compare(&clocks[b]);
                let expected = ClockOrder::from_partial(models[a].partial_cmp(&models[b]));
                let op = format!("c{a}.compare(c{b})");
                if got != expected {
                    let (x, y) = (&models[a], &models[b]);
                    let why = format!(
                        "{op} with c{a}={x}, c{b}={y} returned {got:?}, expected {expected:?}"
                    );
                    return Err(log.fail(why));
                }
                format!("{op} -> {got:?}")
            }
        };
        let got = read_entries(&clocks[a], n);
        if got != models[a] {
            let why = format!("{op} left c{a} = {got}, expected {}", models[a]);
            return Err(log.fail(why));
        }
        log.push(op);
    }
    Ok(())
}
