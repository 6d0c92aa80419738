//! What the strategies are called and the key hash: shared by the
//! balancer, the checks and lab 13 (not an answer of the lab: a handout
//! keeps this file whole, and `strategy.rs` re-exports both).

/// A balancing strategy (`strategy` in `[protocol]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strategy {
    /// Each instance in turn.
    RoundRobin,
    /// Uniformly at random.
    Random,
    /// The fewest outstanding requests (from this balancer's view).
    LeastOutstanding,
    /// The less loaded of two random samples.
    TwoChoices,
    /// By the request's key on a ring of virtual nodes.
    ConsistentHash,
}

impl Strategy {
    /// Every strategy, in the order tables list them.
    pub const ALL: [Strategy; 5] = [
        Strategy::RoundRobin,
        Strategy::Random,
        Strategy::LeastOutstanding,
        Strategy::TwoChoices,
        Strategy::ConsistentHash,
    ];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::RoundRobin => "round-robin",
            Strategy::Random => "random",
            Strategy::LeastOutstanding => "least-outstanding",
            Strategy::TwoChoices => "two-choices",
            Strategy::ConsistentHash => "consistent-hash",
        }
    }

    /// The strategy called `name`.
    pub fn from_name(name: &str) -> Option<Strategy> {
        Strategy::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A stable 64-bit hash of text (FNV-1a, then a splitmix64 finaliser so
/// nearby keys spread over the ring): the same on every platform.
pub fn hash_text(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}
