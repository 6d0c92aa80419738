//! The lab's binary: the whole distlab CLI with your clocks installed under
//! `lamport` and `vclock`, so `cargo run -p lab-01-clocks -- tui
//! scenarios/vclock-causal-broadcast.toml` steps through your code.

fn main() {
    // This lab replaces two protocols; `student_main` installs one entry,
    // so install both first (the first installation wins).
    distlab::registry::install_overrides(distlab::labs::clocks::entries::<lab_01_clocks::Clocks>());
    std::process::exit(distlab::cli::student_main(
        "01",
        distlab::labs::clocks::entry::<lab_01_clocks::Clocks>(),
    ));
}
