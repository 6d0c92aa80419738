//! Sizes and colours the SVG and the HTML picture share (the page's script
//! reads them from the embedded data, so they are written once, here).

/// Width of the lane-name column, in pixels.
pub const LEFT: i64 = 56;
/// Height of the title and legend above the axis.
pub const HEAD: i64 = 58;
/// Height of the step axis.
pub const AXIS: i64 = 18;
/// Height of one lane.
pub const LANE: i64 = 34;
/// Width of one step at zoom 1.
pub const COL: i64 = 14;
/// Margin right of the last step.
pub const RIGHT: i64 = 16;

/// Colour of a step's mark or arrow, by kind.
pub fn color(kind: &str) -> &'static str {
    match kind {
        "deliver" => "#2b6cb0",
        "request" | "reply" | "invoke" | "resend" | "client-timeout" => "#718096",
        "drop-down" | "lost" | "partitioned" | "failure" => "#c53030",
        "timer" => "#6b46c1",
        "start" => "#2f855a",
        "fault" | "held" | "paused" => "#b7791f",
        "down" => "#9b2c2c",
        _ => "#4a5568",
    }
}

/// Background of a lane in partition group `group` while the network is split.
pub fn group_tint(group: usize) -> &'static str {
    const TINTS: [&str; 5] = ["#e2e8f0", "#feebc8", "#c6f6d5", "#e9d8fd", "#fed7e2"];
    TINTS[group % TINTS.len()]
}

/// The legend line both pictures print under the title.
pub const LEGEND: &str = "→ delivery (blue node-to-node, grey client)  ✗ lost, cut by a partition or sent to a crashed node  ◆ timer  ▲ start  ○ client invokes  ┆ fault  ▬ red lane: crashed, amber: paused  tinted lanes: partition groups";
