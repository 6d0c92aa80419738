use distlab::registry::Registry;
use distlab::scenario::engine::BuildOptions;
use distlab::scenario::{load, Overrides};
use distlab::sim::{DynSim, ExploreOptions, FaultChoices, TimeModel, Wire};
use std::collections::{BTreeMap, BTreeSet, HashMap};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = &args[1];
    let max_depth: usize = args.get(2).map_or(12, |d| d.parse().unwrap());
    let term: u64 = args.get(3).map_or(1, |d| d.parse().unwrap());
    let ops: u64 = args.get(4).map_or(0, |d| d.parse().unwrap());
    let wire = if std::env::var("MULTISET").is_ok() { Wire::Multiset } else { Wire::Duplicating };
    let relative = std::env::var("ABS").is_err();
    let scenario = load(path.as_ref(), &Overrides::default()).unwrap();
    let mut sim = Registry::builtin().build(&scenario, &BuildOptions::default()).unwrap();
    sim.start_exploring(ExploreOptions { ops_per_client: ops, wire, time: TimeModel::Ordered, relative_time: relative });
    let limits = vec![Some(term), None];
    let mut seen: HashMap<u64, usize> = HashMap::new();
    seen.insert(sim.fingerprint(), 0);
    let mut frontier = vec![sim];
    for depth in 1..=max_depth {
        let mut next = Vec::new();
        let mut outside = 0;
        for s in &frontier {
            for c in s.choices(FaultChoices::default()) {
                let mut n = s.clone_box();
                n.apply_choice(&c);
                let k = n.fingerprint();
                if seen.contains_key(&k) { continue; }
                seen.insert(k, depth);
                let wmax: usize = std::env::var("WIRE").map_or(usize::MAX, |w| w.parse().unwrap());
                if n.outside_bounds(&limits) || n.flights(1000).len() > wmax { outside += 1; continue; }
                next.push(n);
            }
        }
        println!("depth {depth}: {} new inside, {outside} outside, total {}", next.len(), seen.len());
        if next.is_empty() { break; }
        if depth == max_depth {
            let parts: Vec<Vec<(String, u64)>> = next.iter().map(|s| s.fingerprint_parts()).collect();
            let names: Vec<String> = parts[0].iter().map(|(n, _)| n.clone()).collect();
            for (i, name) in names.iter().enumerate() {
                let distinct: BTreeSet<u64> = parts.iter().map(|p| p[i].1).collect();
                let without: BTreeSet<Vec<u64>> = parts.iter().map(|p| p.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, x)| x.1).collect()).collect();
                println!("{name:40} distinct {:8}  states if ignored {:8}", distinct.len(), without.len());
            }
            // pairs differing only in component i
            let target: usize = std::env::var("COMP").map_or(usize::MAX, |c| c.parse().unwrap());
            if target < names.len() {
                let mut by_rest: HashMap<Vec<u64>, usize> = HashMap::new();
                let mut shown = 0;
                for (si, p) in parts.iter().enumerate() {
                    let rest: Vec<u64> = p.iter().enumerate().filter(|(j, _)| *j != target).map(|(_, x)| x.1).collect();
                    if let Some(&other) = by_rest.get(&rest) {
                        if shown < 2 {
                            shown += 1;
                            println!("==== pair differing in {}: now {} vs {}", names[target], next[other].now(), next[si].now());
                            let a = next[other].debug_parts();
                            let b = next[si].debug_parts();
                            for (x, y) in a.iter().zip(&b) {
                                if x != y { println!("A: {x}\nB: {y}"); }
                            }
                        }
                    } else { by_rest.insert(rest, si); }
                }
            }
            let mut times: BTreeMap<String, usize> = BTreeMap::new();
            for s in &next {
                let roles: Vec<String> = s.nodes().iter().map(|n| n.summary.split(" commit").next().unwrap().to_string()).collect();
                *times.entry(format!("{} {}", s.now(), roles.join(","))).or_default() += 1;
            }
            let mut tv: Vec<_> = times.iter().collect();
            tv.sort_by_key(|(_, c)| std::cmp::Reverse(**c));
            for (k, c) in tv.iter().take(25) { println!("{c:7} {k}"); }

        }
        frontier = next;
    }
}
