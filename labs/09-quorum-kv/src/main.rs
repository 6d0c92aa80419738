//! The whole distlab CLI, running your quorum KV in place of the reference:
//! `cargo run --release -p lab-09-quorum-kv -- tui labs/09-quorum-kv/scenarios/cp-basic.toml`.

fn main() {
    std::process::exit(distlab::cli::student_main(
        "09",
        distlab::labs::quorum_kv::entry::<lab_09_quorum_kv::QuorumKv>(),
    ));
}
