//! `cargo run --release -p lab-08-raft-kv -- <distlab command>`: the whole distlab
//! CLI (run, sweep, tui, replay, lab check) with your Raft key-value node
//! installed under the protocol name `raft`.

fn main() {
    std::process::exit(distlab::cli::student_main(
        "08",
        distlab::labs::raft::entry::<lab_08_raft_kv::RaftNode>(),
    ));
}
