//! Supplier confirmation: a fulfilment location (typically a dropship supplier) confirms that it
//! will ship what is allocated to it, optionally with the date it promises to ship by.
//!
//! Confirmation is a promise, not a quantity state: the ledger is unchanged by it. Confirming
//! again is harmless: the first confirmation's who and when stay; a new ship-by date replaces
//! the old one (reported as [`Confirmed::ShipByMoved`]); the same or no date changes nothing
//! ([`Confirmed::Unchanged`]). When more has been allocated since, confirming again covers the
//! new quantity (reported as [`Confirmed::New`] with the new quantity and time).

use super::{Confirmation, Order};
use crate::error::{ErrorCode, Rejection, Result};
use crate::ids::FulfilmentLocationId;
use crate::quantity::Qty;
use time::{Date, OffsetDateTime};

/// One line to confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmLine {
    pub line: u32,
    pub ship_by: Option<Date>,
}

/// What confirming did to one line's allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    /// Confirmed now (for the first time, or again after more was allocated).
    New { line: u32, quantity: Qty },
    /// Already confirmed; the promised ship-by date moved from `from`.
    ShipByMoved { line: u32, from: Option<Date> },
    /// Already confirmed as asked: nothing changed.
    Unchanged { line: u32 },
}

impl Confirmed {
    pub fn line(&self) -> u32 {
        match self {
            Confirmed::New { line, .. } | Confirmed::ShipByMoved { line, .. } | Confirmed::Unchanged { line } => *line,
        }
    }
    pub fn changed(&self) -> bool {
        !matches!(self, Confirmed::Unchanged { .. })
    }
}

impl Order {
    /// `location` confirms its allocation of each of `lines`. A line that does not exist and a
    /// line not allocated to `location` are refused alike, on `lines[i].line` (a supplier learns
    /// nothing about lines that are not routed to it); a ship-by date before the order was placed
    /// is refused on `lines[i].ship_by`. Everything is checked before anything changes.
    pub fn confirm(
        &mut self,
        location: FulfilmentLocationId,
        lines: &[ConfirmLine],
        by: &str,
        at: OffsetDateTime,
    ) -> Result<Vec<Confirmed>> {
        if lines.is_empty() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "lines",
                "choose at least one line to confirm",
            ));
        }
        let mut targets = Vec::with_capacity(lines.len());
        for (i, c) in lines.iter().enumerate() {
            let field = format!("lines[{i}].line");
            if lines[..i].iter().any(|o| o.line == c.line) {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    field,
                    "a line appears twice in the confirmation",
                ));
            }
            let routed = self.lines.iter().position(|l| l.no == c.line).and_then(|li| {
                self.lines[li]
                    .allocations
                    .iter()
                    .position(|a| a.location == location && !a.quantity.is_zero())
                    .map(|ai| (li, ai))
            });
            let Some(target) = routed else {
                return Err(Rejection::new(
                    ErrorCode::UnknownReference,
                    field,
                    format!(
                        "order {} has no line {} allocated to this location",
                        self.number, c.line
                    ),
                ));
            };
            if let Some(d) = c.ship_by
                && d < self.placed_at.date()
            {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    format!("lines[{i}].ship_by"),
                    "the ship-by date cannot be before the order was placed",
                ));
            }
            targets.push(target);
        }
        let mut out = Vec::with_capacity(lines.len());
        for (c, (li, ai)) in lines.iter().zip(targets) {
            let a = &mut self.lines[li].allocations[ai];
            let quantity = a.quantity;
            let outcome = match a.confirmation.as_mut() {
                Some(k) if k.quantity >= quantity => match c.ship_by {
                    Some(d) if k.ship_by != Some(d) => {
                        let from = k.ship_by.replace(d);
                        Confirmed::ShipByMoved { line: c.line, from }
                    }
                    _ => Confirmed::Unchanged { line: c.line },
                },
                previous => {
                    let ship_by = c.ship_by.or(previous.as_ref().and_then(|k| k.ship_by));
                    a.confirmation = Some(Confirmation {
                        by: by.to_owned(),
                        at,
                        quantity,
                        ship_by,
                    });
                    Confirmed::New { line: c.line, quantity }
                }
            };
            out.push(outcome);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{Account, FulfilmentKind, FulfilmentLocation, Location, LocationKind, PaymentTerms};
    use crate::ids::{AccountId, LocationId, OrderId, ProductId};
    use crate::money::{Currency, Money};
    use crate::order::{Channel, NewLine, NewOrder};
    use crate::product::Product;
    use time::macros::{date, datetime};
    use uuid::Uuid;

    fn fl(n: u128, kind: FulfilmentKind) -> FulfilmentLocation {
        FulfilmentLocation {
            id: FulfilmentLocationId(Uuid::from_u128(n)),
            code: format!("F{n}"),
            name: format!("F{n}"),
            kind,
            city: "Somewhere".into(),
        }
    }

    /// An order of two lines: line 1 allocated to the supplier (3) and the warehouse (2), line 2
    /// to the warehouse only.
    fn order() -> (Order, FulfilmentLocation, FulfilmentLocation) {
        let usd = Currency::parse("USD", "c").expect("usd");
        let ship_to = LocationId(Uuid::from_u128(10));
        let account = Account {
            id: AccountId(Uuid::from_u128(1)),
            number: "C-1".into(),
            name: "Acct".into(),
            currency: usd,
            terms: PaymentTerms { net_days: 30 },
            credit_limit: Money::from_minor(100_000, usd),
            locations: vec![Location {
                id: ship_to,
                kind: LocationKind::Both,
                name: "HQ".into(),
                address: "1 Main St".into(),
                city: "Austin".into(),
                postcode: "78701".into(),
                country: "US".into(),
            }],
            contract_prices: vec![],
        };
        let product = |n: u128, sku: &str| Product {
            id: ProductId(Uuid::from_u128(n)),
            sku: sku.into(),
            name: sku.into(),
            category: "x".into(),
            list_price: Money::from_minor(100, usd),
            discontinued: false,
            setup_guide: None,
            care_instructions: None,
        };
        let line = |p: Product, q: u32| NewLine {
            product: p,
            quantity: Qty::new(q),
            ship_to,
            requested_date: None,
            po_number: None,
            cost_centre: None,
            project: None,
        };
        let mut o = Order::place(
            &account,
            NewOrder {
                id: OrderId(Uuid::from_u128(2)),
                number: "SO-1".into(),
                bill_to: ship_to,
                po_number: None,
                channel: Channel::Api,
                placed_at: datetime!(2026-11-18 10:00 UTC),
                freight: None,
                lines: vec![line(product(3, "LAMP"), 5), line(product(4, "GLOVE"), 2)],
            },
        )
        .expect("placed");
        let sup = fl(20, FulfilmentKind::DropshipSupplier);
        let wh = fl(21, FulfilmentKind::Warehouse);
        o.allocate(1, &sup, Qty::new(3)).expect("alloc");
        o.allocate(1, &wh, Qty::new(2)).expect("alloc");
        o.allocate(2, &wh, Qty::new(2)).expect("alloc");
        (o, sup, wh)
    }

    const AT: OffsetDateTime = datetime!(2026-11-19 09:00 UTC);

    fn cl(line: u32, ship_by: Option<Date>) -> ConfirmLine {
        ConfirmLine { line, ship_by }
    }

    #[test]
    fn a_supplier_confirms_its_allocation_with_a_ship_by_date() {
        let (mut o, sup, _) = order();
        let before = o.ledger(&o.lines[0]);
        let r = o
            .confirm(sup.id, &[cl(1, Some(date!(2026 - 11 - 23)))], "Sue", AT)
            .expect("confirmed");
        assert_eq!(
            r,
            vec![Confirmed::New {
                line: 1,
                quantity: Qty::new(3)
            }]
        );
        let a = &o.lines[0].allocations[0];
        assert!(a.is_confirmed());
        let c = a.confirmation.as_ref().expect("confirmation");
        assert_eq!(
            (c.by.as_str(), c.at, c.ship_by),
            ("Sue", AT, Some(date!(2026 - 11 - 23)))
        );
        assert!(
            o.lines[0].allocations[1].confirmation.is_none(),
            "the warehouse's part is not confirmed by the supplier"
        );
        assert_eq!(o.ledger(&o.lines[0]), before, "confirmation is not a quantity state");
        o.check_balanced().expect("balanced");
    }

    #[test]
    fn confirming_again_keeps_who_and_when_and_moves_only_the_date() {
        let (mut o, sup, _) = order();
        o.confirm(sup.id, &[cl(1, Some(date!(2026 - 11 - 23)))], "Sue", AT)
            .expect("first");
        let later = AT + time::Duration::hours(2);
        let same = o.confirm(sup.id, &[cl(1, None)], "Sam", later).expect("again");
        assert_eq!(same, vec![Confirmed::Unchanged { line: 1 }]);
        assert!(!same[0].changed());
        let moved = o
            .confirm(sup.id, &[cl(1, Some(date!(2026 - 11 - 25)))], "Sam", later)
            .expect("moved");
        assert_eq!(
            moved,
            vec![Confirmed::ShipByMoved {
                line: 1,
                from: Some(date!(2026 - 11 - 23))
            }]
        );
        let c = o.lines[0].allocations[0].confirmation.clone().expect("c");
        assert_eq!(
            (c.by.as_str(), c.at, c.ship_by),
            ("Sue", AT, Some(date!(2026 - 11 - 25)))
        );
    }

    #[test]
    fn more_allocated_since_needs_confirming_again() {
        let (mut o, sup, _) = order();
        o.confirm(sup.id, &[cl(1, Some(date!(2026 - 11 - 23)))], "Sue", AT)
            .expect("first");
        // More allocated to the supplier after it confirmed (as `allocate` adds to an allocation).
        o.lines[0].allocations[0].quantity = Qty::new(4);
        assert!(!o.lines[0].allocations[0].is_confirmed());
        let r = o.confirm(sup.id, &[cl(1, None)], "Sue", AT).expect("again");
        assert_eq!(
            r,
            vec![Confirmed::New {
                line: 1,
                quantity: Qty::new(4)
            }]
        );
        let c = o.lines[0].allocations[0].confirmation.clone().expect("c");
        assert_eq!(c.ship_by, Some(date!(2026 - 11 - 23)), "the promised date is kept");
    }

    #[test]
    fn lines_not_routed_here_are_refused_on_the_field_and_nothing_changes() {
        let (mut o, sup, _) = order();
        let before = o.clone();
        for (lines, field) in [
            (vec![cl(2, None)], "lines[0].line"),
            (vec![cl(1, None), cl(9, None)], "lines[1].line"),
            (vec![cl(1, None), cl(1, None)], "lines[1].line"),
            (vec![cl(1, Some(date!(2026 - 11 - 01)))], "lines[0].ship_by"),
            (vec![], "lines"),
        ] {
            let e = o.confirm(sup.id, &lines, "Sue", AT).expect_err("refused");
            assert_eq!(e.field, field, "{lines:?}: {e}");
            assert_eq!(o, before, "a refused confirmation changes nothing");
        }
        let e = o.confirm(sup.id, &[cl(2, None)], "Sue", AT).expect_err("refused");
        let missing = o.confirm(sup.id, &[cl(9, None)], "Sue", AT).expect_err("refused");
        assert_eq!(e.code, ErrorCode::UnknownReference);
        assert_eq!(
            e.message.replace('2', "N"),
            missing.message.replace('9', "N"),
            "a line routed elsewhere reads like a missing one"
        );
    }

    #[test]
    fn documents_without_confirmations_still_load() {
        let (o, _, _) = order();
        let mut v = serde_json::to_value(&o).expect("json");
        assert!(
            v["lines"][0]["allocations"][0].get("confirmation").is_none(),
            "nothing is written until confirmed"
        );
        v["lines"][0]["allocations"][0]
            .as_object_mut()
            .expect("obj")
            .remove("confirmation");
        let back: Order = serde_json::from_value(v).expect("loads");
        assert_eq!(back, o);
    }
}
