//! The whole distlab CLI, running your two-phase commit in place of the
//! reference: `cargo run --release -p lab-03-two-phase-commit -- tui scenarios/2pc-basic.toml`.

fn main() {
    std::process::exit(distlab::cli::student_main(
        "03",
        distlab::labs::two_pc::entry::<lab_03_two_phase_commit::TwoPhaseCommit>(),
    ));
}
