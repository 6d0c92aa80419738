//! The lab's binary: the whole distlab CLI with your node installed under
//! `broadcast`, so `cargo run -p lab-02-broadcast -- tui
//! scenarios/broadcast-partition.toml` steps through your code.

fn main() {
    std::process::exit(distlab::cli::student_main(
        "02",
        distlab::labs::broadcast::entry::<lab_02_broadcast::Flood>(),
    ));
}
