//! Property tests of changes after checkout: whatever mix of allocations, releases, shipments,
//! change requests and accepted pending work, every line's ledger stays balanced, a refused
//! request changes nothing, shipped quantity never moves, and released goods are never cut
//! without the seller.

use super::*;
use crate::order::{Change, ChangeNames, Pending};

#[derive(Debug, Clone)]
enum Op {
    Allocate { line: u32, at: bool, qty: u32 },
    Release { line: u32, at: bool, qty: u32 },
    Ship { line: u32, at: bool, qty: u32 },
    Quantity { line: u32, qty: u32 },
    CancelLine { line: u32 },
    CancelOrder,
    ShipTo { line: u32, store: bool },
    AddLine { qty: u32 },
    AcceptPending,
}

fn op() -> impl Strategy<Value = Op> {
    let line = 1u32..=4;
    prop_oneof![
        (line.clone(), any::<bool>(), 1u32..8).prop_map(|(line, at, qty)| Op::Allocate { line, at, qty }),
        (line.clone(), any::<bool>(), 1u32..8).prop_map(|(line, at, qty)| Op::Release { line, at, qty }),
        (line.clone(), any::<bool>(), 1u32..6).prop_map(|(line, at, qty)| Op::Ship { line, at, qty }),
        (line.clone(), 0u32..14).prop_map(|(line, qty)| Op::Quantity { line, qty }),
        line.clone().prop_map(|line| Op::CancelLine { line }),
        Just(Op::CancelOrder),
        (line, any::<bool>()).prop_map(|(line, store)| Op::ShipTo { line, store }),
        (1u32..5).prop_map(|qty| Op::AddLine { qty }),
        Just(Op::AcceptPending),
    ]
}

fn released_open(o: &Order, line: u32) -> u32 {
    o.line(line).map_or(0, |l| {
        l.allocations
            .iter()
            .map(|a| a.released.saturating_sub(o.shipped_from(line, a.location)).get())
            .sum()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn changes_keep_the_ledger_balanced(ops in proptest::collection::vec(op(), 1..=30)) {
        let f = fx();
        let mut o = order3(&f);
        let fname = |_| "Dallas DC".to_owned();
        let lname = |_| "the dock".to_owned();
        let names = ChangeNames { fulfilment: &fname, location: &lname };
        let mut pending: Vec<Pending> = Vec::new();
        let mut shipment_no = 900u128;
        for (step, op) in ops.iter().enumerate() {
            let before = o.clone();
            let loc = |at: bool| if at { &f.dallas } else { &f.reno };
            let result: std::result::Result<(), Rejection> = match op {
                Op::Allocate { line, at, qty } => o.allocate(*line, loc(*at), Qty::new(*qty)),
                Op::Release { line, at, qty } => o.release(*line, loc(*at).id, Qty::new(*qty)),
                Op::Ship { line, at, qty } => {
                    shipment_no += 1;
                    let to = o.line(*line).map_or(f.dock, |l| l.ship_to);
                    o.ship(shipment(shipment_no, loc(*at), to, &[(*line, *qty)])).map(|_| ())
                }
                Op::AcceptPending => {
                    let mut r = Ok(());
                    for p in std::mem::take(&mut pending) {
                        let snapshot = o.clone();
                        if let Err(e) = o.apply_pending(&p, &names) {
                            // A pending item that can no longer be done changes nothing.
                            prop_assert_eq!(&o, &snapshot, "step {}: refused pending changed the order", step);
                            r = Err(e);
                        }
                    }
                    r
                }
                change => {
                    let c = match change {
                        Op::Quantity { line, qty } => Change::Quantity { line: *line, quantity: Qty::new(*qty) },
                        Op::CancelLine { line } => Change::CancelLine { line: *line },
                        Op::CancelOrder => Change::CancelOrder,
                        Op::ShipTo { line, store } => Change::ShipTo { line: *line, ship_to: if *store { f.store } else { f.dock } },
                        Op::AddLine { qty } => Change::AddLine(Box::new(nl(&f.desk, *qty, f.store))),
                        _ => unreachable!(),
                    };
                    let next = u32::try_from(o.lines.len() + 1).unwrap();
                    match o.apply_changes(&f.account, vec![c], next, &names) {
                        Ok(results) => {
                            pending.extend(results.into_iter().flat_map(|r| r.pending));
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
            };
            prop_assert!(o.check_balanced().is_ok(), "step {}: {:?} unbalanced the ledger", step, op);
            if result.is_err() && !matches!(op, Op::AcceptPending) {
                prop_assert_eq!(&o, &before, "step {}: refused {:?} changed the order", step, op);
            }
            for l in &before.lines {
                let (b, a) = (before.ledger(l), o.ledger(o.line(l.no).unwrap()));
                prop_assert!(a.shipped >= b.shipped, "step {}: shipped went down on line {}", step, l.no);
                if matches!(op, Op::Quantity { .. } | Op::CancelLine { .. } | Op::CancelOrder | Op::ShipTo { .. } | Op::AddLine { .. }) {
                    // A change never takes released goods by itself: that is the seller's.
                    prop_assert!(
                        released_open(&o, l.no) >= released_open(&before, l.no).min(a.allocated.get()),
                        "step {}: {:?} cut released goods of line {}", step, op, l.no
                    );
                    prop_assert_eq!(a.shipped, b.shipped);
                }
            }
        }
    }
}
