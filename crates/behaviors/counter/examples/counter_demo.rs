//! The counter driven by the pure test kit: every step is data to print.
//!
//! Run with `cargo xtask demo` (or `cargo run -p alloy-counter --example counter_demo`).

use alloy_actors::testkit::TestKit;
use alloy_counter::{Count, Counter, CounterMsg};

fn main() {
    let mut kit = TestKit::new(Counter);
    let probe = kit.probe::<Count>("demo");
    println!("counter {} started with count {:?}", kit.id(), kit.state());
    for message in [
        CounterMsg::Increment,
        CounterMsg::Increment,
        CounterMsg::Decrement,
        CounterMsg::Increment,
        CounterMsg::GetCount {
            reply_to: probe.clone(),
        },
    ] {
        let shown = format!("{message:?}");
        let step = kit.send(message);
        println!(
            "  {shown:<50} -> {:?}, side effects: {:?}",
            step.outcome(),
            step.effects()
        );
    }
    println!("{} received {:?}", probe, kit.received_by(&probe));
}
