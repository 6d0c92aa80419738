//! What clients ask and nodes answer: [`Op`], [`Request`], [`Reply`].

use super::ids::{ClientId, NodeId};
use super::value::Value;
use serde::{Deserialize, Serialize};

/// A client operation, in the vocabulary of histories.
#[derive(Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Op {
    /// The function: `read`, `write`, `broadcast`, `put`, ...
    pub f: String,
    /// The key, for keyed workloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The argument.
    #[serde(default)]
    pub value: Value,
}

impl Clone for Op {
    fn clone(&self) -> Self {
        Op {
            f: self.f.clone(),
            key: self.key.clone(),
            value: self.value.clone(),
        }
    }

    /// As `clone`, keeping this operation's string buffers (the explorer
    /// copies worlds into recycled ones: an open operation's text then
    /// costs no allocation).
    fn clone_from(&mut self, source: &Self) {
        let Op { f, key, value } = self;
        f.clone_from(&source.f);
        key.clone_from(&source.key);
        match (value, &source.value) {
            (Value::Str(to), Value::Str(from)) => to.clone_from(from),
            (to, from) => *to = from.clone(),
        }
    }
}

/// A client request as a node sees it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Request {
    /// The client that sent it.
    pub client: ClientId,
    /// The client's request number; with `client`, unique in the simulation.
    pub id: u64,
    /// What is asked.
    pub op: Op,
}

/// A node's answer to a client request.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Reply {
    /// The operation happened, with this result.
    Ok(Value),
    /// The operation definitely did not happen.
    Fail(String),
    /// Not here: try another node (the hint, if any). The client retries.
    Redirect(Option<NodeId>),
    /// The node cannot tell whether the operation happened (Raft: a retry
    /// from a client whose session expired after the request was applied).
    /// The client records `info`, as for a timeout.
    Unknown(String),
}
