//! Client behaviour: invoke, route, retry on redirect, resend after a quiet
//! spell (when the scenario says so), time out or retry the same id after
//! a timeout, keep one or `in_flight` operations open, record history.

use super::event::Event;
use super::ids::{ClientId, Endpoint, NodeId};
use super::node::{Node, Reply, Request};
use super::trace::{SendOutcome, SendRecord, TraceEvent};
use super::world::{PendingOp, Sim};
use super::SimTime;
use crate::check::history::{EventType, HistoryEvent, Value};
use crate::net::Transit;
use crate::workload::RetryMode;

impl<N: Node> Sim<N> {
    /// Handle engine-internal events: client traffic, faults, settle.
    pub(crate) fn dispatch_control(&mut self, event: Event<N>) -> TraceEvent<N> {
        match event {
            Event::ClientWake(client) => self.client_wake(client),
            Event::Request {
                node,
                msg_id,
                request,
            } => {
                if self.nodes[node.index()].state.is_none() {
                    self.counters.dropped += 1;
                    let from = Endpoint::Client(request.client);
                    return TraceEvent::DeliverToDown {
                        msg_id,
                        from,
                        to: node,
                    };
                }
                let kept = request.clone();
                let site = || {
                    let label = super::panics::clip(&format!("{:?}", kept.op), 80);
                    format!("{node}'s on_request({label}) from {}", kept.client)
                };
                self.with_node(node, super::step::Handler::Request(*request), &site);
                TraceEvent::Request {
                    msg_id,
                    node,
                    request: kept,
                }
            }
            Event::Reply {
                node,
                client,
                msg_id,
                request_id,
                reply,
            } => {
                self.client_reply(client, node, request_id, &reply);
                TraceEvent::Reply {
                    msg_id,
                    node,
                    client,
                    request_id,
                    reply,
                }
            }
            Event::ClientTimeout { client, request_id } => {
                self.client_timeout_event(client, request_id)
            }
            Event::ClientResend { client, request_id } => self.client_resend(client, request_id),
            Event::Fault(action) => match self.chaos_aborted() {
                Some((at, _)) => TraceEvent::Fault(format!(
                    "{action} skipped: the experiment was aborted at {at}"
                )),
                None => TraceEvent::Fault(self.apply_fault(&action)),
            },
            Event::NemesisTick => TraceEvent::Fault(self.nemesis_tick()),
            Event::NemesisUndo(action) => {
                if self.nemesis.swarm.is_some() {
                    self.nemesis.active = self.nemesis.active.saturating_sub(1);
                }
                let text = self.apply_fault(&action);
                TraceEvent::Fault(format!("nemesis undo: {text}"))
            }
            Event::NemesisMix => {
                let mix = self.nemesis.swarm.as_ref().map(|s| s.0.to_string());
                TraceEvent::Control(format!(
                    "nemesis swarm mix: {}",
                    mix.unwrap_or_else(|| "none".into())
                ))
            }
            Event::Resume(node) => {
                let text = self.resume(node);
                self.fault_log.push((self.now, text.clone()));
                TraceEvent::Fault(text)
            }
            Event::Settle => TraceEvent::Control(self.settle()),
            Event::ExperimentAbort => TraceEvent::Fault(self.abort_experiment()),
            Event::Start(_) | Event::Deliver { .. } | Event::Timer { .. } | Event::Serve(_) => {
                unreachable!("node events are dispatched by step()")
            }
        }
    }

    fn client_wake(&mut self, client: ClientId) -> TraceEvent<N> {
        let settings = std::sync::Arc::clone(&self.settings);
        let exhausted = settings
            .clients
            .max_ops
            .is_some_and(|max| self.ops_issued >= max);
        let Some(workload) = settings.workload.as_ref() else {
            return TraceEvent::Control(format!("{client} has no workload"));
        };
        if self.settling || exhausted {
            return TraceEvent::Control(format!("{client} stops issuing operations"));
        }
        let slot = &self.clients[client.0 as usize];
        let Some(lane) = slot.lanes.iter().position(|l| l.pending.is_none()) else {
            return TraceEvent::Control(format!("{client} has no idle lane"));
        };
        let op = workload.next_op(&mut self.workload_rng, client, self.ops_issued);
        self.ops_issued += 1;
        self.counters.ops_invoked += 1;
        let slot = &mut self.clients[client.0 as usize];
        let id = slot.next_request;
        slot.next_request += 1;
        std::sync::Arc::make_mut(&mut self.history).push(HistoryEvent {
            process: slot.lanes[lane].process,
            kind: EventType::Invoke,
            f: op.f.clone(),
            key: op.key.clone(),
            value: op.value.clone(),
            time: self.now.as_nanos(),
            error: None,
        });
        let deadline = self.now + settings.clients.timeout;
        slot.lanes[lane].pending = Some(PendingOp {
            id,
            op: op.clone(),
            attempts: 1,
            invoked_at: self.now,
            deadline,
            retries: 0,
        });
        let node = slot.target;
        let request = Request { client, id, op };
        self.queue.push(
            deadline,
            Event::ClientTimeout {
                client,
                request_id: id,
            },
        );
        self.schedule_resend(client, id, self.now);
        self.send_request(node, request.clone());
        TraceEvent::Invoke {
            client,
            node,
            request: Box::new(request),
        }
    }

    fn send_request(&mut self, node: NodeId, request: Request) {
        let client = request.client;
        let msg_id = self.next_msg;
        self.next_msg += 1;
        let (from, to) = (Endpoint::Client(request.client), Endpoint::Node(node));
        let route = self
            .network
            .route_client(&mut self.net_rng, from, to, self.now);
        let outcome = match route {
            Transit::Deliver { at, duplicate } => {
                // Queued in arrival order as before; only a duplicate's
                // first copy clones the request, the last takes it.
                let (first, second) = match duplicate {
                    Some(copy_at) => (Box::new(request.clone()), Some((copy_at, request))),
                    None => (Box::new(request), None),
                };
                self.in_flight += 1;
                self.queue.push(
                    at,
                    Event::Request {
                        node,
                        msg_id,
                        request: first,
                    },
                );
                if let Some((copy_at, request)) = second {
                    self.in_flight += 1;
                    let request = Box::new(request);
                    self.queue.push(
                        copy_at,
                        Event::Request {
                            node,
                            msg_id,
                            request,
                        },
                    );
                }
                match duplicate {
                    Some(copy_at) => SendOutcome::Duplicated(at, copy_at),
                    None => SendOutcome::Scheduled(at),
                }
            }
            Transit::Partitioned => SendOutcome::Partitioned,
            Transit::Lost => SendOutcome::Lost,
        };
        let send = SendRecord {
            msg_id,
            from: Endpoint::Client(client),
            to: Endpoint::Node(node),
            outcome,
        };
        self.note_send(send);
    }

    fn client_reply(&mut self, client: ClientId, node: NodeId, request_id: u64, reply: &Reply) {
        let nodes = self.settings.nodes;
        let slot = &mut self.clients[client.0 as usize];
        // A late reply to an operation already given up on, or a second
        // copy of a reply (a duplicate, an answer to a retry): ignored.
        let Some(lane) = slot.lane_of(request_id) else {
            return;
        };
        let Some(pending) = slot.lanes[lane].pending.as_mut() else {
            return;
        };
        match reply {
            Reply::Ok(value) => {
                let value = if *value == Value::Nil {
                    pending.op.value.clone()
                } else {
                    value.clone()
                };
                self.counters.ops_ok += 1;
                self.op_latencies
                    .push((self.now - pending.invoked_at).as_nanos());
                self.complete(client, lane, EventType::Ok, value, None);
            }
            Reply::Fail(why) => {
                self.counters.ops_fail += 1;
                let value = pending.op.value.clone();
                self.complete(client, lane, EventType::Fail, value, Some(why.clone()));
            }
            Reply::Unknown(why) => {
                self.counters.ops_info += 1;
                let value = pending.op.value.clone();
                self.complete(client, lane, EventType::Info, value, Some(why.clone()));
            }
            Reply::Redirect(hint) => {
                pending.attempts += 1;
                if pending.attempts > 2 * nodes + 2 {
                    // Indeterminate, not `fail`: a node may have accepted an
                    // earlier attempt and redirected later (a leader that lost
                    // its leadership), and the operation may still happen.
                    self.counters.ops_info += 1;
                    let value = pending.op.value.clone();
                    self.complete(
                        client,
                        lane,
                        EventType::Info,
                        value,
                        Some("redirected too often; outcome unknown".into()),
                    );
                    return;
                }
                let next = hint.unwrap_or(NodeId((node.0 + 1) % nodes.max(1)));
                slot.target = next;
                let request = Request {
                    client,
                    id: request_id,
                    op: pending.op.clone(),
                };
                self.send_request(next, request);
            }
        }
    }

    /// Schedule the next resend of `client`'s request `request_id`, last sent
    /// at `sent`, if the scenario resends and the operation's timeout is not
    /// due first.
    fn schedule_resend(&mut self, client: ClientId, request_id: u64, sent: SimTime) {
        let Some(every) = self.settings.clients.resend else {
            return;
        };
        let Some(pending) = self.clients[client.0 as usize].open(request_id) else {
            return;
        };
        let at = sent + every;
        if at < pending.deadline {
            self.queue
                .push(at, Event::ClientResend { client, request_id });
        }
    }

    /// Send `client`'s open request `request_id` again, the same id (so a
    /// protocol with sessions can tell it is a retry), to the next node;
    /// `None` if it already ended.
    fn send_again(&mut self, client: ClientId, request_id: u64) -> Option<(NodeId, Request)> {
        let nodes = self.settings.nodes.max(1);
        let slot = &mut self.clients[client.0 as usize];
        let lane = slot.lane_of(request_id)?;
        let pending = slot.lanes[lane].pending.as_mut()?;
        // A fresh try: the redirect budget counts from here.
        pending.attempts = 1;
        let op = pending.op.clone();
        slot.target = NodeId((slot.target.0 + 1) % nodes);
        let node = slot.target;
        let request = Request {
            client,
            id: request_id,
            op,
        };
        self.send_request(node, request.clone());
        Some((node, request))
    }

    /// No answer for a while: send the same request (the same id, so a
    /// protocol with sessions can tell it is a retry) to the next node.
    fn client_resend(&mut self, client: ClientId, request_id: u64) -> TraceEvent<N> {
        let Some((node, request)) = self.send_again(client, request_id) else {
            return TraceEvent::Control(format!("{client}'s request #{request_id} already ended"));
        };
        self.schedule_resend(client, request_id, self.now);
        TraceEvent::Resend {
            client,
            node,
            request: Box::new(request),
        }
    }

    /// `client`'s timeout for `request_id` came due: nothing if the
    /// operation already ended; with `retry = "same-id"` (and retries
    /// left) the same request goes to the next node and the client waits
    /// another `timeout`; otherwise the client gives up (`info`).
    pub(crate) fn client_timeout_event(
        &mut self,
        client: ClientId,
        request_id: u64,
    ) -> TraceEvent<N> {
        let config = &self.settings.clients;
        let (timeout, limit) = (config.timeout, config.retries);
        let retry = config.retry == RetryMode::SameId;
        let retries = self.clients[client.0 as usize]
            .open(request_id)
            .map(|p| p.retries);
        let retry = retry && retries.is_some_and(|r| limit.is_none_or(|max| r < max));
        if retry {
            let slot = &mut self.clients[client.0 as usize];
            if let Some(lane) = slot.lane_of(request_id) {
                if let Some(pending) = slot.lanes[lane].pending.as_mut() {
                    pending.retries += 1;
                    pending.deadline = self.now + timeout;
                }
            }
            if let Some((node, request)) = self.send_again(client, request_id) {
                self.queue.push(
                    self.now + timeout,
                    Event::ClientTimeout { client, request_id },
                );
                self.schedule_resend(client, request_id, self.now);
                return TraceEvent::Retry {
                    client,
                    node,
                    request: Box::new(request),
                };
            }
        }
        let answered = !self.client_timeout(client, request_id);
        TraceEvent::ClientTimeout {
            client,
            request_id,
            answered,
        }
    }

    /// Give up on `client`'s operation `request_id` if it is still
    /// pending; false if it had already ended (the timeout lapses).
    fn client_timeout(&mut self, client: ClientId, request_id: u64) -> bool {
        let nodes = self.settings.nodes.max(1);
        let slot = &mut self.clients[client.0 as usize];
        let Some(lane) = slot.lane_of(request_id) else {
            return false;
        };
        // Try a different node next time: the one we used may be down or cut off.
        slot.target = NodeId((slot.target.0 + 1) % nodes);
        self.counters.ops_info += 1;
        let value = slot
            .open(request_id)
            .map(|p| p.op.value.clone())
            .unwrap_or_default();
        self.complete(
            client,
            lane,
            EventType::Info,
            value,
            Some("timed-out".into()),
        );
        true
    }

    /// Record the completion, free the lane, and schedule the client's
    /// next operation (after a think time, or at once with `in_flight`).
    fn complete(
        &mut self,
        client: ClientId,
        lane: usize,
        kind: EventType,
        value: Value,
        error: Option<String>,
    ) {
        let next_process = self.next_process;
        let slot = &mut self.clients[client.0 as usize];
        let Some(lane) = slot.lanes.get_mut(lane) else {
            return;
        };
        let Some(pending) = lane.pending.take() else {
            return;
        };
        std::sync::Arc::make_mut(&mut self.history).push(HistoryEvent {
            process: lane.process,
            kind,
            f: pending.op.f,
            key: pending.op.key,
            value,
            time: self.now.as_nanos(),
            error,
        });
        if kind == EventType::Info {
            // Jepsen retires a process whose operation is indeterminate.
            lane.process = next_process;
            self.next_process += 1;
        }
        if self.settings.clients.in_flight.is_some() {
            self.queue.push(self.now, Event::ClientWake(client));
            return;
        }
        let interval = self.settings.clients.interval.as_nanos();
        let think = SimTime(
            self.workload_rng
                .range_inclusive(interval / 2, interval + interval / 2),
        );
        self.queue.push(self.now + think, Event::ClientWake(client));
    }

    /// Operation latencies (ok operations), in nanoseconds, in completion order.
    pub fn op_latencies(&self) -> &[u64] {
        &self.op_latencies
    }
}
