//! The whole distlab CLI, running your sagas in place of the reference:
//! `cargo run --release -p lab-04-sagas -- tui labs/04-sagas/scenarios/compensation.toml`.

fn main() {
    std::process::exit(distlab::cli::student_main(
        "04",
        distlab::labs::saga::entry::<lab_04_sagas::Sagas>(),
    ));
}
