//! `cargo run --release -p lab-06-raft-log -- <distlab command>`: the whole
//! distlab CLI (run, sweep, tui, replay, lab check) with your Raft node
//! installed under the protocol name `raft`.

fn main() {
    std::process::exit(distlab::cli::student_main(
        "06",
        distlab::labs::raft::entry::<lab_06_raft_log::RaftNode>(),
    ));
}
