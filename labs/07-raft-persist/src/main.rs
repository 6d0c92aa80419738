//! `cargo run --release -p lab-07-raft-persist -- <distlab command>`: the whole
//! distlab CLI (run, sweep, tui, replay, lab check) with your Raft node
//! installed under the protocol name `raft`.

fn main() {
    std::process::exit(distlab::cli::student_main(
        "07",
        distlab::labs::raft::entry::<lab_07_raft_persist::RaftNode>(),
    ));
}
