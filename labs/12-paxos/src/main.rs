//! The whole distlab CLI, running your rules in place of the reference:
//! `cargo run --release -p lab-12-paxos -- tui labs/12-paxos/scenarios/sd-competing.toml`.

fn main() {
    std::process::exit(distlab::cli::student_main(
        "12",
        distlab::labs::paxos::entry::<lab_12_paxos::Synod>(),
    ));
}
