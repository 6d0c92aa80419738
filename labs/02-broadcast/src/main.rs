//! The lab's binary: the whole distlab CLI with your nodes installed under
//! `broadcast` and `gossip`, so `cargo run --release -p lab-02-broadcast -- tui
//! scenarios/broadcast-partition.toml` steps through your code.

fn main() {
    std::process::exit(distlab::cli::student_main_with(
        "02",
        distlab::labs::broadcast::entries::<lab_02_broadcast::Nodes>(),
    ));
}
