//! The whole distlab CLI, running your rules in place of the reference:
//! `cargo run --release -p lab-10-event-sourcing -- tui scenarios/es-basic.toml`.

fn main() {
    std::process::exit(distlab::cli::student_main(
        "10",
        distlab::labs::cqrs::entry::<lab_10_event_sourcing::EventSourcing>(),
    ));
}
