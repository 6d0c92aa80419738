//! What the user (or the frame clock) can ask of the [`crate::tui::App`].

/// A text prompt opened by a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    /// `g`: a step number or a virtual time (`1500`, `3.2s`).
    Goto,
    /// `o`: the nodes to show in a big cluster (`42 7 100-105`; empty
    /// clears), the first one selected.
    Pick,
    /// `/`: a node or client (`n2`, `c0`) or an event kind (`deliver`).
    Filter,
    /// `p`: partition groups (`0 1 2 | 3 4`).
    Partition,
    /// `l`: network-wide loss probability (`0.2` or `20%`).
    Loss,
    /// `z`: how long to pause the selected node (`3s`).
    Pause,
    /// `w`: how much slower the selected node's workers get, and for how
    /// long (`10 3s`; `[service]` scenarios).
    Slow,
    /// `d`: the latency of the selected node's links from now on
    /// (`200ms`, `1ms..80ms`, or `reset` to undo every latency change).
    Delay,
}

impl PromptKind {
    /// The prompt's question.
    pub fn question(self) -> &'static str {
        match self {
            PromptKind::Goto => "go to step or time (1500, 3.2s)",
            PromptKind::Pick => "show and select nodes (42 n7 100-105; empty clears)",
            PromptKind::Filter => {
                "filter log by node, client or kind (n2, c0, deliver; empty clears)"
            }
            PromptKind::Partition => "partition groups (0 1 2 | 3 4)",
            PromptKind::Loss => "loss probability (0.2 or 20%)",
            PromptKind::Pause => "pause the selected node for (3s, 500ms)",
            PromptKind::Slow => "slow the selected node's service: factor and duration (10 3s)",
            PromptKind::Delay => {
                "latency of the selected node's links (200ms, 1ms..80ms; reset undoes)"
            }
        }
    }
}

/// The input mode: decides what keys mean.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// Keys are commands.
    #[default]
    Normal,
    /// Typing into a prompt.
    Prompt(PromptKind),
    /// The `?` overlay is open.
    Help,
}

/// One thing to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Space: run or pause.
    TogglePlay,
    /// `n` / →: one step forward.
    StepForward,
    /// `b` / ←: one step back.
    StepBack,
    /// `+`: faster.
    Faster,
    /// `-`: slower.
    Slower,
    /// `j` / ↓: next node, entry, or scroll down (by focused panel).
    SelectNext,
    /// `k` / ↑: previous node, entry, or scroll up.
    SelectPrev,
    /// Tab: focus the next panel.
    NextPanel,
    /// `c`: crash the selected node.
    Crash,
    /// `r`: restart the selected node.
    Restart,
    /// `i`: isolate the selected node.
    Isolate,
    /// `h`: heal the network.
    Heal,
    /// `u`: heal the selected node's links only (a partial heal).
    HealNode,
    /// `x`: drop the recorded actions ahead (fork the timeline here).
    Fork,
    /// `s`: save a replay file.
    Save,
    /// Open a prompt.
    OpenPrompt(PromptKind),
    /// A character typed into the prompt.
    PromptInput(char),
    /// Backspace in the prompt.
    PromptBackspace,
    /// Enter in the prompt.
    PromptSubmit,
    /// Esc in the prompt.
    PromptCancel,
    /// `?`: open or close the help overlay.
    ToggleHelp,
    /// `e`: unfold (or fold again) the inspector's long lists and folded
    /// sections.
    ToggleExpand,
    /// Esc: clear the event selection (follow the current step again).
    Deselect,
    /// `q` / Ctrl-C: quit.
    Quit,
    /// From the frame clock: advance up to this many steps while playing or
    /// seeking.
    Tick(u64),
}

/// Every key binding, for the help overlay: (keys, what they do), short
/// enough for two columns on an 80-column terminal.
pub const KEYS: &[(&str, &str)] = &[
    ("space", "run / pause"),
    ("n  →", "one step forward"),
    ("b  ←", "one step back"),
    ("+  -", "faster / slower"),
    ("g  o", "go to a step / pick nodes"),
    ("j k ↓ ↑", "select / scroll the panel"),
    ("tab", "next panel"),
    ("esc", "clear the event selection"),
    ("e", "unfold / fold the inspector"),
    ("c  r", "crash / restart the node"),
    ("i", "isolate the selected node"),
    ("p", "partition into groups"),
    ("z", "pause the node (GC pause)"),
    ("w", "slow the node's workers"),
    ("h  u", "heal all / the node's links"),
    ("d", "set the node's link latency"),
    ("l", "set the loss probability"),
    ("x", "fork: drop actions ahead"),
    ("/", "filter the event log"),
    ("s", "save a replay file"),
    ("?", "this help"),
    ("q  ctrl-c", "quit (twice if unsaved)"),
];

/// What the screen's symbols mean, for the help overlay: (symbol, meaning).
pub const LEGEND: &[(&str, &str)] = &[
    ("○─▶●", "message delivered (from ○ to ●)"),
    ("○┄▷", "in flight: arrives later"),
    ("✗", "lost / cut, or its target down"),
    ("◆", "timer fired"),
    ("▲", "node (re)started"),
    ("◇", "client request arrives"),
    ("◁", "reply to a client"),
    ("‖", "paused node: event held"),
    ("┄┼┄", "fault (crosses every node)"),
    ("● ✖", "node up / crashed"),
    ("[A] [B]", "partition group (colour)"),
    ("▸", "selected node"),
];
