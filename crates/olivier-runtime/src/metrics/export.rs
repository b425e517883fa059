//! Rendering: per-type snapshots with the registry's live figures, encoded
//! as Prometheus text (format 0.0.4) by `prometheus-client`.

use std::fmt;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry as Exposition;

use super::{BOUNDS_NS, Metrics, TypeSnapshot};
use crate::registry::Registry;
use crate::remote::stats::RemoteStats;

/// Every type's snapshot, with mailbox depth and live actors from `registry`.
pub(crate) fn snapshots(metrics: &Metrics, registry: &Registry) -> Vec<TypeSnapshot> {
    let mut snapshots: Vec<TypeSnapshot> =
        metrics.all().iter().map(|stats| stats.snapshot()).collect();
    for cell in registry.cells() {
        let live = match snapshots
            .iter_mut()
            .find(|snapshot| snapshot.actor_type == cell.message_type_name())
        {
            Some(snapshot) => snapshot,
            None => {
                snapshots.push(TypeSnapshot {
                    actor_type: cell.message_type_name(),
                    ..TypeSnapshot::default()
                });
                let last = snapshots.len() - 1;
                &mut snapshots[last]
            }
        };
        live.actors += 1;
        live.mailbox_depth += cell.mailbox.depth() as u64;
        live.arena_bytes += cell.arena_bytes() as u64;
    }
    snapshots.sort_by_key(|snapshot| snapshot.actor_type);
    snapshots
}

/// The Prometheus text exposition of every type's metrics, and of what
/// the remote transport refused or lost.
pub(crate) fn render(metrics: &Metrics, registry: &Registry, remote: RemoteStats) -> String {
    let mut exposition = Exposition::default();
    exposition.register_collector(Box::new(Snapshots(snapshots(metrics, registry))));
    exposition.register_collector(Box::new(Remote(remote)));
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &exposition);
    text
}

#[derive(Debug)]
struct Snapshots(Vec<TypeSnapshot>);

/// The remote transport's counts, one series per kind.
#[derive(Debug)]
struct Remote(RemoteStats);

impl Collector for Remote {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> fmt::Result {
        let stats = &self.0;
        let kinds: [(&str, u64); 10] = [
            ("connection_refused", stats.connections_refused),
            ("handshake_failed", stats.handshakes_failed),
            ("authentication_failed", stats.authentication_failures),
            ("name_conflict", stats.name_conflicts),
            ("bad_frame", stats.bad_frames),
            ("message_refused", stats.messages_refused),
            ("forged_reply", stats.forged_replies),
            ("control_frame_dropped", stats.control_frames_dropped),
            ("idle_timeout", stats.idle_timeouts),
            ("message_lost", stats.messages_lost),
        ];
        let mut metric = encoder.encode_descriptor(
            "olivier_remote_events",
            "What the remote transport refused, dropped or lost, by kind",
            None,
            MetricType::Counter,
        )?;
        for (kind, count) in kinds {
            let labels = [("kind", kind)];
            metric
                .encode_family(&labels)?
                .encode_counter::<NoLabelSet, u64, u64>(&count, None)?;
        }
        Ok(())
    }
}

/// A per-type series: its name, help text and value.
type Series = (&'static str, &'static str, fn(&TypeSnapshot) -> u64);

/// One counter or gauge series per type.
fn per_type(
    encoder: &mut DescriptorEncoder<'_>,
    snapshots: &[TypeSnapshot],
    name: &str,
    help: &str,
    kind: MetricType,
    value: impl Fn(&TypeSnapshot) -> u64,
) -> fmt::Result {
    let mut metric = encoder.encode_descriptor(name, help, None, kind)?;
    for snapshot in snapshots {
        let labels = [("actor_type", snapshot.actor_type)];
        let mut series = metric.encode_family(&labels)?;
        match kind {
            MetricType::Gauge => {
                series.encode_gauge(&i64::try_from(value(snapshot)).unwrap_or(i64::MAX))?;
            }
            _ => series.encode_counter::<NoLabelSet, u64, u64>(&value(snapshot), None)?,
        }
    }
    Ok(())
}

impl Collector for Snapshots {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> fmt::Result {
        let all = &self.0;
        let counters: [Series; 5] = [
            (
                "olivier_messages_received",
                "Messages put into a mailbox of this actor type",
                |s| s.received,
            ),
            (
                "olivier_messages_processed",
                "Messages handled by actors of this type",
                |s| s.processed,
            ),
            (
                "olivier_actor_errors",
                "Failures of actors of this type",
                |s| s.errors,
            ),
            (
                "olivier_actor_restarts",
                "Restarts of actors of this type",
                |s| s.restarts,
            ),
            (
                "olivier_dead_letters",
                "Dead letters whose message has this type",
                |s| s.dead_letters,
            ),
        ];
        for (name, help, value) in counters {
            per_type(&mut encoder, all, name, help, MetricType::Counter, value)?;
        }
        per_type(
            &mut encoder,
            all,
            "olivier_mailbox_depth",
            "Messages waiting in the mailboxes of live actors of this type",
            MetricType::Gauge,
            |s| s.mailbox_depth,
        )?;
        per_type(
            &mut encoder,
            all,
            "olivier_arena_bytes",
            "Bytes held by the arenas of live actors of this type",
            MetricType::Gauge,
            |s| s.arena_bytes,
        )?;
        per_type(
            &mut encoder,
            all,
            "olivier_actors",
            "Live actors of this type",
            MetricType::Gauge,
            |s| s.actors,
        )?;
        let mut metric = encoder.encode_descriptor(
            "olivier_message_processing_seconds",
            "Time actors of this type took to handle one message",
            None,
            MetricType::Histogram,
        )?;
        for snapshot in all {
            let labels = [("actor_type", snapshot.actor_type)];
            // Per-bucket counts: the encoder makes them cumulative.
            let buckets: Vec<(f64, u64)> = BOUNDS_NS
                .iter()
                .map(|bound| *bound as f64 / 1e9)
                .chain(std::iter::once(f64::INFINITY))
                .zip(snapshot.buckets)
                .collect();
            metric
                .encode_family(&labels)?
                .encode_histogram::<NoLabelSet>(
                    snapshot.processing_nanos as f64 / 1e9,
                    snapshot.processed,
                    &buckets,
                    None,
                )?;
        }
        Ok(())
    }
}
