//! Peer benchmarks for Alloy (the runtime workloads arrive with issue 5).
