//! `export --format html|svg` and `sweep-params --svg`: pictures of a run are deterministic, the SVG of
//! a small range is pinned, bad `--steps` are refused with a clear message,
//! a failing check is highlighted, and the HTML page renders in headless
//! Chromium (lanes, arrows, details of the step named by `#step=N`) — skipped
//! with a message where Chromium is not installed; the sweep chart has no
//! rotated labels and its values do not collide.

use crate::support::{code, distlab, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ISOLATED: &str = "scenarios/raft-leader-isolated.toml";

fn export(args: &[&str]) -> (i32, String, String) {
    let out = distlab(&[&["export"], args].concat());
    (code(&out), stdout(&out), stderr(&out))
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

#[test]
fn svg_of_a_partition_is_pinned() {
    let (code, svg, err) = export(&[
        "scenarios/broadcast-partition.toml",
        "--format",
        "svg",
        "--steps",
        "2615..2641",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(count(&svg, r#"class="lane""#), 12, "9 nodes and 3 clients");
    assert!(svg.contains("steps 2615–2640"), "the title names the range");
    assert!(
        count(&svg, r#"class="drop""#) > 0,
        "sends cut by the partition"
    );
    insta::assert_snapshot!("svg_broadcast_partition_2615_2640", svg);
}

#[test]
fn pictures_are_the_same_bytes_for_the_same_seed() {
    for format in ["html", "svg"] {
        let args = [
            "scenarios/bully-basic.toml",
            "--format",
            format,
            "--seed",
            "3",
        ];
        let (c1, a, _) = export(&args);
        let (c2, b, _) = export(&args);
        assert_eq!((c1, c2), (0, 0));
        assert!(a == b, "--format {format}: two exports of seed 3 differ");
        let (_, other, _) = export(&[
            "scenarios/bully-basic.toml",
            "--format",
            format,
            "--seed",
            "4",
        ]);
        assert!(
            a != other,
            "--format {format}: seeds 3 and 4 drew the same picture"
        );
    }
}

#[test]
fn html_is_self_contained() {
    let (code, page, err) = export(&[ISOLATED, "--format", "html"]);
    assert_eq!(code, 0, "{err}");
    assert!(page.starts_with("<!DOCTYPE html>"));
    for outside in [
        "http://", "https://", "src=", "<link", "@import", "url(http",
    ] {
        let found = page
            .match_indices(outside)
            .filter(|(i, _)| !page[..*i].ends_with("xmlns=\""))
            .count();
        assert_eq!(found, 0, "the page reaches outside with {outside:?}");
    }
    assert_eq!(
        count(&page, "</script>"),
        2,
        "the data and the script, inline"
    );
    assert!(
        page.len() < 2_000_000,
        "11,994 steps in {} bytes: keep the page small",
        page.len()
    );
}

#[test]
fn the_failing_check_is_highlighted() {
    let (code, svg, _) = export(&["scenarios/raft-bug-forget-vote.toml", "--format", "svg"]);
    assert_eq!(code, 1, "a safety violation");
    assert!(
        svg.contains("steps 2328–2427"),
        "the default window ends at the failure"
    );
    assert!(svg.contains(r#"class="failure""#));
    assert!(svg.contains("✗ check election-safety failed at step 2427"));
    let (_, page, _) = export(&["scenarios/raft-bug-forget-vote.toml", "--format", "html"]);
    assert!(page.contains("id=\"to-failure\"") && page.contains("\"check\":\"election-safety\""));
}

#[test]
fn bad_step_ranges_are_refused() {
    let cases = [
        ("0..5", "steps are numbered from 1"),
        ("9..3", "the step range \"9..3\" is empty"),
        ("1..x", "expected a step range like 1..101"),
        ("1..5000", "an SVG draws at most 1000"),
    ];
    for (range, message) in cases {
        let (code, _, err) = export(&[ISOLATED, "--format", "svg", "--steps", range]);
        assert_eq!(code, 3, "--steps {range}: {err}");
        assert!(err.contains(message), "--steps {range}: {err}");
    }
    let (code, _, err) = export(&[ISOLATED, "--format", "svg", "--steps", "99999..100000"]);
    assert_eq!(code, 3);
    assert!(
        err.contains("--steps starts at step 99999 but the run has 11994 steps"),
        "{err}"
    );
    let (code, _, err) = export(&[ISOLATED, "--format", "html", "--steps", "1..5"]);
    assert_eq!(code, 3);
    assert!(
        err.contains("--steps chooses the steps an SVG draws"),
        "{err}"
    );
}

/// `chromium` (or `chromium-browser`, `google-chrome`) on the PATH.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Run headless Chromium on `url` with `args`; its stdout (through a file:
/// the dumped page holds the run's data, more than a pipe buffers).
fn headless(browser: &Path, profile: &Path, args: &[&str], url: &str) -> String {
    let output = profile.with_extension("out");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdout(std::fs::File::create(&output).expect("output file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    String::from_utf8_lossy(&std::fs::read(&output).expect("chromium output")).into_owned()
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.len() > 24 && &bytes[1..4] == b"PNG", "not a PNG");
    let word = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    (word(16), word(20))
}

fn attribute(dom: &str, id: &str, name: &str) -> u64 {
    let element = &dom[dom.find(&format!("id=\"{id}\"")).expect("element")..];
    let value =
        &element[element.find(&format!("{name}=\"")).expect("attribute") + name.len() + 2..];
    value[..value.find('"').unwrap()].parse().expect("a number")
}

#[test]
fn html_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: chromium not found (apt-get install chromium to run this test)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("distlab-pictures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (code, page, _) = export(&[ISOLATED, "--format", "html"]);
    assert_eq!(code, 0);
    let file = dir.join("run.html");
    std::fs::write(&file, page).unwrap();
    let url = format!("file://{}#step=3164", file.display());
    let profile = dir.join("profile");
    for (width, height) in [(1280, 800), (800, 600)] {
        let shot = dir.join(format!("run-{width}x{height}.png"));
        let size = format!("--window-size={width},{height}");
        let screenshot = format!("--screenshot={}", shot.display());
        headless(&browser, &profile, &[&size, &screenshot], &url);
        let bytes = std::fs::read(&shot).expect("a screenshot");
        assert_eq!(png_size(&bytes), (width, height));
        assert!(
            bytes.len() > 20_000,
            "{width}x{height}: {} bytes, a blank page?",
            bytes.len()
        );
        eprintln!("screenshot {width}x{height}: {} bytes", bytes.len());
    }
    let dom = headless(
        &browser,
        &profile,
        &["--window-size=1280,800", "--dump-dom"],
        &url,
    );
    // The script drew the lanes and the steps in sight around step 3164.
    let start = dom.find("<svg id=\"view\"").expect("the drawing");
    let drawing = &dom[start..start + dom[start..].find("</svg>").expect("its end")];
    assert_eq!(
        count(drawing, r#"class="lane""#),
        8,
        "5 nodes and 3 clients"
    );
    let (first, last) = (
        attribute(drawing, "view", "data-first"),
        attribute(drawing, "view", "data-last"),
    );
    assert!(
        first < 3164 && 3164 < last,
        "step 3164 in sight: {first}..={last}"
    );
    // The same arrows and drops as the static SVG of those steps.
    let (_, svg, _) = export(&[
        ISOLATED,
        "--format",
        "svg",
        "--steps",
        &format!("{first}..={last}"),
    ]);
    for class in [r#"class="arrow""#, r#"class="drop""#, r#"class="fault""#] {
        assert!(count(&svg, class) > 0, "{class} in steps {first}..={last}");
        assert_eq!(
            count(drawing, class),
            count(&svg, class),
            "{class} in steps {first}..={last}"
        );
    }
    // #step=3164 selected the step and showed its details.
    let details = &dom[dom.find("id=\"details\"").expect("details")..];
    assert!(
        details.contains("step 3164 · 5s · fault"),
        "{}",
        &details[..300.min(details.len())]
    );
    assert!(details.contains("isolate n1"));
    assert!(details.contains("nodes as of step 3000") && details.contains("LEADER t1"));
    // Zoomed out to a tenth, the same width holds ten times the steps, and
    // still the same arrows as the SVG of those steps.
    let zoomed = headless(
        &browser,
        &profile,
        &["--window-size=1280,800", "--dump-dom"],
        &format!("{url}&zoom=0.1"),
    );
    let start = zoomed.find("<svg id=\"view\"").expect("the drawing");
    let far = &zoomed[start..start + zoomed[start..].find("</svg>").expect("its end")];
    let (wide_first, wide_last) = (
        attribute(far, "view", "data-first"),
        attribute(far, "view", "data-last"),
    );
    assert!(
        wide_last - wide_first + 1 >= 9 * (last - first + 1),
        "zoom 0.1 shows {wide_first}..={wide_last}, zoom 1 {first}..={last}"
    );
    let (_, svg, _) = export(&[
        ISOLATED,
        "--format",
        "svg",
        "--steps",
        &format!("{wide_first}..={wide_last}"),
    ]);
    assert_eq!(
        count(far, r#"class="arrow""#),
        count(&svg, r#"class="arrow""#)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sweep_chart_labels_are_horizontal_and_apart() {
    let dir = std::env::temp_dir().join(format!("distlab-chart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("chart.svg");
    let out = distlab(&[
        "sweep-params",
        "scenarios/gossip-rumor.toml",
        "--param",
        "fanout=1,2,3,4",
        "--seeds",
        "0..2",
        "--metrics",
        "op-latency-p50,converge-time-p50,messages-per-update",
        "--svg",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(!svg.contains("rotate"), "no rotated labels");
    assert_eq!(count(&svg, r#"class="panel""#), 3, "one panel per metric");
    insta::assert_snapshot!("sweep_params_chart", svg);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn crashed_and_paused_nodes_are_marked_on_their_lanes() {
    let (_, svg, _) = export(&[
        "scenarios/2pc-coordinator-crash.toml",
        "--format",
        "svg",
        "--steps",
        "1570..1580",
    ]);
    assert!(svg.contains(r#"<rect class="span down""#));
    assert!(
        svg.contains("n0 down from step 1574 to step"),
        "crash n0 at step 1574"
    );
    assert!(svg.contains("crash n0"), "the fault is named");
    let (_, svg, _) = export(&[
        "scenarios/lock-pause-fencing.toml",
        "--format",
        "svg",
        "--steps",
        "270..=300",
    ]);
    assert!(
        svg.contains("n3 paused from step 282 to step 411"),
        "pause n3 for 2s at step 282, resumed at step 412"
    );
}
