//! A gossip message in the inspector and in one line: `Push [3 4 5 +2]`,
//! `Pull digest [1 2]`, `Rumor [14]`, `RumorReply 14 known`.

use super::Msg;
use crate::base::inspect::{Item, View};
use crate::protocols::show;

/// How many values a one-line summary lists before `+N`.
const SHOWN: usize = 6;

/// A message's one line.
pub(super) fn message_summary(message: &Msg) -> String {
    match message {
        Msg::Push(values) => format!("Push {}", show::bracketed(values, SHOWN)),
        Msg::Pull(digest) => format!("Pull digest {}", show::bracketed(digest, SHOWN)),
        Msg::PushPull(values) => format!("PushPull {}", show::bracketed(values, SHOWN)),
        Msg::Rumor(items) => {
            let values: Vec<i64> = items.iter().map(|i| i.value).collect();
            format!("Rumor {}", show::bracketed(&values, SHOWN))
        }
        Msg::RumorReply(feedback) => {
            let known = feedback.iter().filter(|f| f.known).count();
            let values: Vec<i64> = feedback.iter().map(|f| f.value).collect();
            format!(
                "RumorReply {} ({known} already known)",
                show::bracketed(&values, SHOWN)
            )
        }
    }
}

/// A message's labelled view.
pub(super) fn message_view(message: &Msg) -> View {
    let values = |v: &[i64]| Item::set(v.iter().map(|x| x.to_string()));
    match message {
        Msg::Push(v) => View::new()
            .section("Push (values to merge)")
            .field("values", values(v)),
        Msg::Pull(v) => View::new()
            .section("Pull (the sender's digest: send what it lacks)")
            .field("digest", values(v)),
        Msg::PushPull(v) => View::new()
            .section("PushPull (merge, and send what the sender lacks)")
            .field("values", values(v)),
        Msg::Rumor(items) => View::new().section("Rumor (hot values)").field(
            "rumors",
            Item::list(items.iter().map(|i| {
                (
                    i.value.to_string(),
                    Item::text(format!(
                        "held by {}",
                        show::nodes(i.holders.iter().copied())
                    )),
                )
            })),
        ),
        Msg::RumorReply(feedback) => View::new().section("RumorReply (feedback)").field(
            "rumors",
            Item::list(feedback.iter().map(|f| {
                let known = if f.known { "already known" } else { "new" };
                (
                    f.value.to_string(),
                    Item::text(format!(
                        "{known}, held by {}",
                        show::nodes(f.holders.iter().copied())
                    )),
                )
            })),
        ),
    }
}
