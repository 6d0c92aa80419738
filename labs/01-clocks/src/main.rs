//! The lab's binary: the whole distlab CLI with your clocks installed under
//! `lamport` and `vclock`, so `cargo run --release -p lab-01-clocks -- tui
//! scenarios/vclock-causal-broadcast.toml` steps through your code.

fn main() {
    std::process::exit(distlab::cli::student_main_with(
        "01",
        distlab::labs::clocks::entries::<lab_01_clocks::Clocks>(),
    ));
}
