//! The whole distlab CLI, running your strategies in place of the reference:
//! `cargo run --release -p lab-13-load-balancing -- tui labs/13-load-balancing/scenarios/slow-two-choices.toml`.

fn main() {
    std::process::exit(distlab::cli::student_main(
        "13",
        distlab::labs::load_balancing::entry::<lab_13_load_balancing::Strategies>(),
    ));
}
