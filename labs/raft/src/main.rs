//! `cargo run --release -p lab-raft -- <distlab command>`: the whole
//! distlab CLI (run, sweep, tui, replay, lab check 05–08 and 14) with your Raft
//! node installed under the protocol name `raft`.

fn main() {
    std::process::exit(distlab::cli::student_main(
        "05,06,07,08,14",
        distlab::labs::raft::entry::<lab_raft::RaftNode>(),
    ));
}
