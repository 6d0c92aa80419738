//! The whole distlab command line with chain replication added:
//! `cargo run --release -p chain-replication --features cli -- list`
//! (then `run`, `sweep`, `replay`, `export`, `tui` on scenario files that
//! name `protocol = "chain-replication"`).

fn main() {
    let registry = distlab::registry::Registry::builtin().with(chain_replication::entry());
    std::process::exit(distlab::cli::main_with(registry));
}
