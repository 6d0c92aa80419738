//! The whole distlab CLI, running your rules in place of the reference:
//! `cargo run --release -p lab-11-leases-fencing -- tui scenarios/lock-pause-fencing.toml`.

fn main() {
    std::process::exit(distlab::cli::student_main(
        "11",
        distlab::labs::leases::entry::<lab_11_leases_fencing::Leases>(),
    ));
}
