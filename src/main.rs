//! The `distlab` binary: parse the command line, run, map the outcome to an
//! exit code (`cli::main` also exits quietly on a closed pipe).

fn main() {
    std::process::exit(distlab::cli::main());
}
