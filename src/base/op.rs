//! What clients ask and nodes answer: [`Op`], [`Request`], [`Reply`].

use super::ids::{ClientId, NodeId};
use super::value::Value;
use serde::{Deserialize, Serialize};

/// A client operation, in the vocabulary of histories.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
