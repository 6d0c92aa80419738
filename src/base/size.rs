//! A message's size on the wire: the length of its serialised form.
//!
//! The form is JSON (`serde_json`), written into a sink that only counts,
//! so nothing is allocated. The engine requires `Serialize` of every
//! message, so any protocol's messages have a size; a wrapper that boxes
//! messages and serialises them through `serde_json::Value` (the labs'
//! `AnyMsg`) gives the same length, since only the order of struct fields
//! differs.

use serde::Serialize;
use std::io;

/// Counts the bytes written to it.
struct Counter(u64);

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The length in bytes of `value`'s JSON text (0 for a value JSON cannot
/// represent, such as a map with non-string keys).
pub fn serialized_size<T: Serialize + ?Sized>(value: &T) -> u64 {
    let mut counter = Counter(0);
    match serde_json::to_writer(&mut counter, value) {
        Ok(()) => counter.0,
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::serialized_size;
    use serde::Serialize;

    #[derive(Serialize)]
    enum Msg {
        Ping { round: u64, text: String },
        Ack,
    }

    #[test]
    fn a_message_counts_its_json_text() {
        let ping = Msg::Ping {
            round: 12,
            text: "hello".into(),
        };
        let text = serde_json::to_string(&ping).unwrap();
        assert_eq!(text, r#"{"Ping":{"round":12,"text":"hello"}}"#);
        assert_eq!(serialized_size(&ping), text.len() as u64);
        assert_eq!(serialized_size(&Msg::Ack), r#""Ack""#.len() as u64);
    }

    #[test]
    fn a_value_without_json_form_counts_nothing() {
        let mut map = std::collections::BTreeMap::new();
        map.insert((1, 2), 3);
        assert_eq!(serialized_size(&map), 0);
    }
}
