//! Small text helpers the protocols' inspector views and message
//! summaries share (`n1 n2 n3`, `[3 4 5]`, `+2 more`).

use crate::sim::NodeId;
use std::fmt::Display;

/// Nodes separated by spaces: `n1 n2 n3` (empty for none).
pub(crate) fn nodes(nodes: impl IntoIterator<Item = NodeId>) -> String {
    joined(nodes, " ")
}

/// Items' `Display` joined by `separator`.
pub(crate) fn joined<T: Display>(items: impl IntoIterator<Item = T>, separator: &str) -> String {
    let items: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    items.join(separator)
}

/// Up to `max` items in brackets, then how many more: `[3 4 5 +2]`.
pub(crate) fn bracketed<T: Display>(items: &[T], max: usize) -> String {
    let shown = joined(items.iter().take(max), " ");
    match items.len().saturating_sub(max) {
        0 => format!("[{shown}]"),
        more => format!("[{shown} +{more}]"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_and_lists_read_as_the_summaries_write_them() {
        assert_eq!(nodes([NodeId(1), NodeId(3)]), "n1 n3");
        assert_eq!(nodes([]), "");
        assert_eq!(bracketed(&[3, 4, 5], 5), "[3 4 5]");
        assert_eq!(bracketed(&[3, 4, 5, 6, 7], 3), "[3 4 5 +2]");
    }
}
