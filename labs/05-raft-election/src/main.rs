//! `cargo run --release -p lab-05-raft-election -- <distlab command>`: the whole
//! distlab CLI (run, sweep, tui, replay, lab check) with your Raft node
//! installed under the protocol name `raft`.

fn main() {
    std::process::exit(distlab::cli::student_main(
        "05",
        distlab::labs::raft::entry::<lab_05_raft_election::RaftNode>(),
    ));
}
