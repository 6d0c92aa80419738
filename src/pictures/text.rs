//! Text in pictures: escaping for SVG/HTML, and how wide a label will be, so
//! that a label is drawn only where it fits (else it moves to a tooltip).

/// Escape `&`, `<`, `>` and `"` for SVG and HTML text and attributes.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Width in pixels of `text` in a monospace font of `size` pixels (a
/// monospace character is about 0.6 em wide).
pub fn mono_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.6
}

/// `text` cut to at most `width` pixels of monospace at `size`, with `…`
/// when cut; `None` when not even two characters fit.
pub fn fit(text: &str, width: f64, size: f64) -> Option<String> {
    let room = (width / (size * 0.6)).floor() as usize;
    let count = text.chars().count();
    if count <= room {
        return Some(text.to_string());
    }
    if room < 3 {
        return None;
    }
    Some(text.chars().take(room - 1).chain(['…']).collect())
}

/// Items (separated by two spaces in `text`) on lines at most `width`
/// pixels of monospace at `size`; an item longer than a line is cut to fit.
pub fn wrap_items(text: &str, width: f64, size: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for item in text.split("  ").map(str::trim).filter(|i| !i.is_empty()) {
        let joined = lines.last().map(|l| format!("{l}  {item}"));
        match joined {
            Some(j) if mono_width(&j, size) <= width => *lines.last_mut().unwrap() = j,
            _ => lines.push(fit(item, width, size).unwrap_or_default()),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_cut_to_fit_or_dropped() {
        assert_eq!(fit("read 3", 100.0, 10.0).as_deref(), Some("read 3"));
        assert_eq!(fit("cas [1 4]→false", 30.0, 10.0).as_deref(), Some("cas …"));
        assert_eq!(fit("cas", 12.0, 10.0), None);
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(
            wrap_items("a b  c d  e", 40.0, 10.0),
            ["a b", "c d  e"].map(String::from)
        );
    }
}
