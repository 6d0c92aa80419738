//! End to end: the real binary in tmux shows the cluster, advances on a
//! step, goes back, and quits leaving the terminal usable. Skipped (with a
//! message) when tmux is not installed.

use std::process::Command;
use std::time::{Duration, Instant};

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn have_tmux() -> bool {
    Command::new("which")
        .arg("tmux")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Poll the pane until `want` appears (or 10 s pass); return the screen.
fn wait_for(session: &str, want: &str) -> String {
    let started = Instant::now();
    loop {
        let screen = tmux(&["capture-pane", "-p", "-t", session]);
        if screen.contains(want) || started.elapsed() > Duration::from_secs(10) {
            return screen;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Start a detached 120x40 tmux session running `command`; retried, since a
/// tmux server still exiting after the previous test's session refuses it.
fn start_session(name: &str, command: &str) {
    for _ in 0..20 {
        let out = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                "120",
                "-y",
                "40",
                command,
            ])
            .output()
            .expect("tmux starts");
        if out.status.success() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("tmux new-session {name} failed 20 times");
}

/// One test at a time: two tmux servers starting at once can fail to start.
static TMUX: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Kills the tmux session when the test ends, pass or fail.
struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}

#[test]
fn the_binary_shows_nodes_and_steps_in_tmux() {
    if !have_tmux() {
        eprintln!("SKIPPED the_binary_shows_nodes_and_steps_in_tmux: tmux is not installed");
        return;
    }
    let _one_at_a_time = TMUX.lock().unwrap_or_else(|e| e.into_inner());
    let name = format!("distlab-tui-test-{}", std::process::id());
    let command = format!(
        "cd {} && {} tui scenarios/broadcast-partition.toml; echo distlab-exited-$?; sleep 30",
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_BIN_EXE_distlab")
    );
    start_session(&name, &command);
    let _session = Session(name.clone());
    let screen = wait_for(&name, "step 0");
    assert!(screen.contains("cluster: 9 nodes"), "{screen}");
    for node in ["n0", "n4", "n8"] {
        assert!(screen.contains(node), "{node} missing:\n{screen}");
    }
    tmux(&["send-keys", "-t", &name, "n"]);
    let screen = wait_for(&name, "step 1 ");
    assert!(screen.contains("step 1 "), "no step:\n{screen}");
    assert!(
        screen.contains("start"),
        "the first event is a start:\n{screen}"
    );
    tmux(&["send-keys", "-t", &name, "n", "n", "b"]);
    let screen = wait_for(&name, "back to step 2");
    assert!(screen.contains("step 2 "), "no step back:\n{screen}");
    tmux(&["send-keys", "-t", &name, "q"]);
    let screen = wait_for(&name, "distlab-exited-0");
    assert!(
        screen.contains("tui: left broadcast-partition seed 2 at step 2"),
        "{screen}"
    );
    assert!(screen.contains("distlab-exited-0"), "{screen}");
}

/// `kill -SIGNAL` on the TUI leaves a usable terminal: out of raw mode (the
/// shell's `stty` shows `icanon` and `echo`), off the alternate screen, the
/// cursor shown, and the exit code `128 + signal`.
#[test]
fn signals_sent_with_kill_restore_the_terminal() {
    if !have_tmux() {
        eprintln!("SKIPPED signals_sent_with_kill_restore_the_terminal: tmux is not installed");
        return;
    }
    let _one_at_a_time = TMUX.lock().unwrap_or_else(|e| e.into_inner());
    for (signal, number) in [("TERM", 15), ("HUP", 1), ("INT", 2)] {
        let name = format!("distlab-tui-signal-{signal}-{}", std::process::id());
        let pid_file = std::env::temp_dir().join(format!("{name}.pid"));
        let _ = std::fs::remove_file(&pid_file);
        let command = format!(
            "cd {} && sh -c 'echo $$ > {}; exec {} tui scenarios/broadcast-partition.toml'; echo distlab-exited-$?; stty -a | tr ' ' '\\n' | grep -x -e '-*icanon' -e '-*echo' | tr '\\n' ' '; echo stty-done; sleep 30",
            env!("CARGO_MANIFEST_DIR"),
            pid_file.display(),
            env!("CARGO_BIN_EXE_distlab")
        );
        start_session(&name, &command);
        let _session = Session(name.clone());
        let screen = wait_for(&name, "step 0");
        assert!(screen.contains("cluster: 9 nodes"), "{screen}");
        // Let it run, so the signal arrives mid-run.
        tmux(&["send-keys", "-t", &name, " "]);
        std::thread::sleep(Duration::from_millis(300));
        let pid = std::fs::read_to_string(&pid_file).expect("pid file");
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), pid.trim()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let screen = wait_for(&name, "stty-done");
        let code = format!("distlab-exited-{}", 128 + number);
        assert!(screen.contains(&code), "SIG{signal}: {screen}");
        assert!(
            screen.contains("icanon echo stty-done"),
            "SIG{signal}: the terminal is still raw:\n{screen}"
        );
        let modes = tmux(&[
            "display",
            "-p",
            "-t",
            &name,
            "#{alternate_on} #{cursor_flag}",
        ]);
        assert_eq!(
            modes.trim(),
            "0 1",
            "SIG{signal}: alternate screen / cursor"
        );
        let _ = std::fs::remove_file(&pid_file);
    }
}
