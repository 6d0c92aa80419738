//! The lab's binary: the whole distlab CLI with your nodes installed under
//! `broadcast` and `gossip`, so `cargo run -p lab-02-broadcast -- tui
//! scenarios/broadcast-partition.toml` steps through your code.

fn main() {
    // This lab replaces two protocols; `student_main` installs one entry,
    // so install both first (the first installation wins).
    distlab::registry::install_overrides(distlab::labs::broadcast::entries::<
        lab_02_broadcast::Nodes,
    >());
    std::process::exit(distlab::cli::student_main(
        "02",
        distlab::labs::broadcast::entry::<lab_02_broadcast::Nodes>(),
    ));
}
