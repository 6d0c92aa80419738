//! Parsing what the user types into prompts.

use crate::faults::{FaultAction, PartitionSpec};
use crate::net::latency::{Latency, MAX_LATENCY};
use crate::sim::{ClientId, Endpoint, EntryFilter, NodeId, Ratio, SimTime};

/// Event kinds the log can filter on: every kind a step can have.
pub const KINDS: [&str; 14] = crate::sim::trace::EVENT_KINDS;

/// Where `g` goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GotoTarget {
    /// A step number.
    Step(u64),
    /// A virtual time: the state after every event up to it.
    Time(SimTime),
}

/// `1500` is a step, `3.2s` a time.
pub fn goto_target(text: &str) -> Result<GotoTarget, String> {
    let text = text.trim();
    if let Ok(step) = text.parse::<u64>() {
        return Ok(GotoTarget::Step(step));
    }
    text.parse::<SimTime>().map(GotoTarget::Time).map_err(|_| {
        format!(
            "g takes a step number (1500) or a virtual time with a unit (3.2s, 250ms, 40us); {text:?} is neither"
        )
    })
}

/// `n2` or `2` is a node, `c0` a client.
pub fn endpoint(text: &str, nodes: u32) -> Option<Endpoint> {
    let text = text.trim();
    let (client, digits) = match text.strip_prefix('c') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('n').unwrap_or(text)),
    };
    let id: u32 = digits.parse().ok()?;
    if client {
        Some(Endpoint::Client(ClientId(id)))
    } else {
        (id < nodes).then_some(Endpoint::Node(NodeId(id)))
    }
}

/// The log filter `text` asks for; empty clears it.
pub fn filter(text: &str, nodes: u32) -> Result<EntryFilter, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(EntryFilter::default());
    }
    if let Some(kind) = KINDS.iter().find(|k| **k == text) {
        return Ok(EntryFilter {
            kind: Some((*kind).to_string()),
            endpoint: None,
        });
    }
    match endpoint(text, nodes) {
        Some(e) => Ok(EntryFilter {
            endpoint: Some(e),
            kind: None,
        }),
        None => Err(format!(
            "unknown filter {text:?}: give a node (n0..n{}), a client (c0) or a kind ({})",
            nodes.saturating_sub(1),
            KINDS.join(", ")
        )),
    }
}

/// Most nodes one `o` prompt may pick (more would not fit any panel).
pub const PICK_MAX: usize = 64;

/// `42 n7 100-105` (spaces or commas; `n` prefixes allowed; `A-B` a range)
/// as the nodes to show, in the order given, without repeats; empty clears.
pub fn pick(text: &str, nodes: u32) -> Result<Vec<usize>, String> {
    let number = |word: &str| -> Result<usize, String> {
        let digits = word.strip_prefix('n').unwrap_or(word);
        match digits.parse::<u32>() {
            Ok(n) if n < nodes => Ok(n as usize),
            _ => Err(format!(
                "{word:?} is not a node: give numbers from 0 to {} (42, n7, 100-105)",
                nodes.saturating_sub(1)
            )),
        }
    };
    let mut picked = Vec::new();
    for word in text.split([' ', ',']).filter(|w| !w.is_empty()) {
        let (low, high) = match word.split_once('-') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => (number(word)?, number(word)?),
        };
        if high < low || high - low >= PICK_MAX {
            return Err(format!(
                "{word:?}: a range goes up and holds at most {PICK_MAX} nodes"
            ));
        }
        for n in low..=high {
            if !picked.contains(&n) {
                picked.push(n);
            }
        }
        if picked.len() > PICK_MAX {
            return Err(format!("at most {PICK_MAX} nodes can be picked at once"));
        }
    }
    Ok(picked)
}

/// `0 1 2 | 3 4` (or with `n` prefixes) as a partition.
pub fn partition(text: &str, nodes: u32) -> Result<FaultAction, String> {
    let mut groups = Vec::new();
    let mut seen = vec![false; nodes as usize];
    for part in text.split('|') {
        let mut group = Vec::new();
        for word in part.split(|c: char| c.is_whitespace() || c == ',') {
            if word.is_empty() {
                continue;
            }
            let Some(Endpoint::Node(n)) = endpoint(word, nodes) else {
                return Err(format!("{word:?} is not a node (n0..n{})", nodes - 1));
            };
            if std::mem::replace(&mut seen[n.index()], true) {
                return Err(format!("{n} is in two groups"));
            }
            group.push(n);
        }
        if !group.is_empty() {
            groups.push(group);
        }
    }
    if groups.is_empty() {
        return Err("name at least one group, e.g. 0 1 | 2 3 4".into());
    }
    // Nodes named in no group form one more group of their own.
    let rest = seen.iter().any(|&s| !s);
    if groups.len() + usize::from(rest) < 2 {
        return Err(format!(
            "that puts all {nodes} nodes in one group: nothing is cut. Give two groups or more, e.g. 0 1 | 2 3 4 (nodes you leave out form a group of their own)"
        ));
    }
    Ok(FaultAction::Partition(PartitionSpec::Groups(groups)))
}

/// `0.2` or `20%` as a loss probability.
pub fn loss(text: &str) -> Result<Ratio, String> {
    let text = text.trim();
    let (number, scale) = match text.strip_suffix('%') {
        Some(n) => (n, 100.0),
        None => (text, 1.0),
    };
    let p: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("not a probability: {text:?}"))?;
    let p = p / scale;
    if !(0.0..=1.0).contains(&p) {
        return Err(format!("a probability is between 0 and 1, got {text}"));
    }
    Ok(Ratio::from_probability(p))
}

/// How long `z` pauses a node: a duration above zero (`3s`, `500ms`).
pub fn pause_duration(text: &str) -> Result<SimTime, String> {
    let text = text.trim();
    match text.parse::<SimTime>() {
        Ok(d) if d > SimTime::ZERO => Ok(d),
        Ok(_) => Err("a pause lasts more than 0s: give a duration like 3s or 500ms".into()),
        Err(e) => Err(format!("not a duration ({e}): give one like 3s or 500ms")),
    }
}

/// `10 3s` (also `x10 3s`): a `slow` fault's factor (1 to 1000) and
/// duration.
pub fn slow(text: &str) -> Result<(u32, SimTime), String> {
    let usage = "give a factor and a duration like `10 3s`";
    let mut words = text.split_whitespace();
    let (Some(factor), Some(duration), None) = (words.next(), words.next(), words.next()) else {
        return Err(format!("expected two words: {usage}"));
    };
    let factor = factor.trim_start_matches('x');
    let factor = match factor.parse::<u32>() {
        Ok(f) if (1..=1000).contains(&f) => f,
        _ => {
            return Err(format!(
                "the factor is a whole number from 1 to 1000: {usage}"
            ))
        }
    };
    match duration.parse::<SimTime>() {
        Ok(d) if d > SimTime::ZERO => Ok((factor, d)),
        Ok(_) => Err(format!("the slowness lasts more than 0s: {usage}")),
        Err(e) => Err(format!("not a duration ({e}): {usage}")),
    }
}

/// `d`'s answer: `200ms` (constant), `1ms..80ms` (uniform), or `reset`
/// (`None`: undo every latency change).
pub fn delay(text: &str) -> Result<Option<Latency>, String> {
    let usage = "give a latency like `200ms`, a range like `1ms..80ms`, or `reset`";
    let text = text.trim();
    if text == "reset" {
        return Ok(None);
    }
    let time = |word: &str| -> Result<SimTime, String> {
        match word.trim().parse::<SimTime>() {
            Ok(t) if t <= MAX_LATENCY => Ok(t),
            Ok(_) => Err(format!("a latency is at most {MAX_LATENCY}: {usage}")),
            Err(e) => Err(format!("not a duration ({e}): {usage}")),
        }
    };
    match text.split_once("..") {
        None => Ok(Some(Latency::Constant { value: time(text)? })),
        Some((min, max)) => {
            let (min, max) = (time(min)?, time(max)?);
            if min > max {
                return Err(format!("the range runs from low to high: {usage}"));
            }
            Ok(Some(Latency::Uniform { min, max }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_takes_numbers_prefixes_and_ranges() {
        assert_eq!(
            pick("42 n7, 100-102 7", 10_000),
            Ok(vec![42, 7, 100, 101, 102])
        );
        assert_eq!(pick("  ", 10_000), Ok(vec![]));
        assert_eq!(
            pick("10000", 10_000),
            Err("\"10000\" is not a node: give numbers from 0 to 9999 (42, n7, 100-105)".into())
        );
        assert!(pick("5-3", 10).is_err());
        assert!(pick("0-999", 10_000).is_err());
        assert!(pick("x", 10).is_err());
    }

    #[test]
    fn delay_takes_a_latency_a_range_or_reset() {
        let ms = SimTime::from_millis;
        assert_eq!(
            delay("200ms"),
            Ok(Some(Latency::Constant { value: ms(200) }))
        );
        assert_eq!(
            delay(" 1ms..80ms "),
            Ok(Some(Latency::Uniform {
                min: ms(1),
                max: ms(80)
            }))
        );
        assert_eq!(delay("reset"), Ok(None));
        for bad in ["", "fast", "80ms..1ms", "2m", "1ms..", "61s"] {
            let e = delay(bad).unwrap_err();
            assert!(e.contains("1ms..80ms"), "{bad}: {e}");
        }
    }

    #[test]
    fn slow_takes_a_factor_and_a_duration() {
        assert_eq!(slow("10 3s"), Ok((10, SimTime::from_secs(3))));
        assert_eq!(slow(" x20  500ms "), Ok((20, SimTime::from_millis(500))));
        assert!(slow("10").is_err());
        assert!(slow("0 3s").is_err());
        assert!(slow("1001 3s").is_err());
        assert!(slow("10 0s").is_err());
        assert!(slow("10 soon").is_err());
        assert!(slow("10 3s more").is_err());
    }

    #[test]
    fn goto_takes_steps_and_times() {
        assert_eq!(goto_target("1500"), Ok(GotoTarget::Step(1500)));
        assert_eq!(
            goto_target(" 3s "),
            Ok(GotoTarget::Time(SimTime::from_secs(3)))
        );
        assert!(goto_target("soon").is_err());
    }

    #[test]
    fn filters_name_nodes_clients_and_kinds() {
        assert_eq!(
            filter("n2", 3).unwrap().endpoint,
            Some(Endpoint::Node(NodeId(2)))
        );
        assert_eq!(
            filter("c0", 3).unwrap().endpoint,
            Some(Endpoint::Client(ClientId(0)))
        );
        assert_eq!(
            filter("deliver", 3).unwrap().kind.as_deref(),
            Some("deliver")
        );
        assert!(filter("", 3).unwrap().is_empty());
        assert!(filter("n7", 3).is_err());
    }

    #[test]
    fn partitions_are_groups_of_nodes() {
        let FaultAction::Partition(PartitionSpec::Groups(g)) = partition("0 1 | n2, 3", 4).unwrap()
        else {
            panic!("a partition")
        };
        assert_eq!(
            g,
            vec![vec![NodeId(0), NodeId(1)], vec![NodeId(2), NodeId(3)]]
        );
        assert!(partition("0 1 | 1", 4).is_err());
        assert!(partition("9", 4).is_err());
        assert!(partition(" | ", 4).is_err());
    }

    #[test]
    fn loss_takes_ratios_and_percentages() {
        assert_eq!(loss("0.25"), Ok(Ratio::from_probability(0.25)));
        assert_eq!(loss("20%"), Ok(Ratio::from_probability(0.2)));
        assert!(loss("1.5").is_err());
        assert!(loss("lots").is_err());
    }

    #[test]
    fn pause_durations() {
        assert_eq!(pause_duration(" 3s "), Ok(SimTime::from_secs(3)));
        assert_eq!(pause_duration("500ms"), Ok(SimTime::from_millis(500)));
        assert!(pause_duration("0s").unwrap_err().contains("more than 0s"));
        assert!(pause_duration("soon")
            .unwrap_err()
            .contains("not a duration"));
    }
}
