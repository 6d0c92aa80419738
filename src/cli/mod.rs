//! The command line.

/// Run the command line and return the process exit code.
pub fn main() -> i32 {
    0
}
