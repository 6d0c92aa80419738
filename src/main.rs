//! The `distlab` binary: parse the command line, run, map the outcome to an exit code.

fn main() {
    // `distlab list | head` closes stdout early: exit quietly, as Unix tools do,
    // instead of reporting the failed write as a crash.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info
            .payload_as_str()
            .is_some_and(|m| m.contains("Broken pipe"))
        {
            std::process::exit(141);
        }
        default_hook(info);
    }));
    std::process::exit(distlab::cli::main());
}
