//! Routing rules: which dropship supplier an order line goes to.
//!
//! A rule matches lines by SKU (one or a list), product category (products carry one, so no
//! SKU-prefix stand-in is needed), and the ship-to region (country and/or postcode prefix of the
//! line's ship-to location); every criterion a rule names must hold, and a rule naming none
//! matches every line (a default supplier). Each rule names a supplier, a priority (lower goes
//! first) and optionally the unit cost the seller pays that supplier.
//!
//! Candidates for a line are the suppliers of the matching rules, less those that rejected the
//! line, ordered by priority, then by reported stock (enough for the quantity, then not reported,
//! then reported short), then by lowest cost, then by supplier id (so equal candidates always
//! order the same way). The first candidate not reported short wins and takes the whole open
//! quantity; a supplier reported short is never chosen, because routing to it would only come
//! back as a rejection. Stock a line takes is no longer available to the lines after it.

use crate::dropship::stock::StockMap;
use crate::error::{ErrorCode, Rejection, Result};
use crate::ids::{FulfilmentLocationId, RoutingRuleId};
use crate::money::Money;
use crate::quantity::Qty;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingRule {
    pub id: RoutingRuleId,
    pub name: String,
    /// Matches these SKUs exactly (any SKU when empty).
    #[serde(default)]
    pub skus: Vec<String>,
    /// Matches these product categories, ignoring letter case (any category when empty).
    #[serde(default)]
    pub categories: Vec<String>,
    /// Matches ship-to locations in these countries, ignoring letter case (anywhere when empty).
    #[serde(default)]
    pub countries: Vec<String>,
    /// Matches ship-to postcodes starting with one of these, ignoring case and spaces.
    #[serde(default)]
    pub postcode_prefixes: Vec<String>,
    pub supplier: FulfilmentLocationId,
    /// Lower goes first.
    pub priority: u32,
    pub unit_cost: Option<Money>,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub created_by: String,
    /// Set when the rule is deleted: documents are kept, so a deleted rule is a tombstone no one
    /// sees and routing ignores.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub deleted_at: Option<OffsetDateTime>,
}

/// The highest priority number a rule may have.
pub const MAX_PRIORITY: u32 = 1_000_000;

fn norm_postcode(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

impl RoutingRule {
    /// Trims every criterion, upper-cases countries, and checks the rule: a name, no empty
    /// criterion, two-letter countries, a priority in range and a cost that is not negative.
    pub fn normalise_and_check(&mut self) -> Result<()> {
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() {
            return Err(Rejection::new(ErrorCode::InvalidValue, "name", "must not be empty"));
        }
        for (field, list) in [
            ("skus", &mut self.skus),
            ("categories", &mut self.categories),
            ("countries", &mut self.countries),
            ("postcode_prefixes", &mut self.postcode_prefixes),
        ] {
            for (i, v) in list.iter_mut().enumerate() {
                *v = v.trim().to_owned();
                if v.is_empty() {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        format!("{field}[{i}]"),
                        "must not be empty",
                    ));
                }
            }
        }
        for (i, c) in self.countries.iter_mut().enumerate() {
            *c = c.to_uppercase();
            if c.len() != 2 || !c.chars().all(|x| x.is_ascii_alphabetic()) {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    format!("countries[{i}]"),
                    "a two-letter ISO 3166 country code, like US or DE",
                ));
            }
        }
        if self.priority > MAX_PRIORITY {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "priority",
                format!("at most {MAX_PRIORITY}"),
            ));
        }
        if self.unit_cost.is_some_and(|c| c.is_negative()) {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "unit_cost",
                "cannot be negative",
            ));
        }
        Ok(())
    }

    /// Whether the rule takes part in routing at all.
    pub fn in_force(&self) -> bool {
        self.active && self.deleted_at.is_none()
    }

    /// Whether every criterion the rule names holds for `line`.
    pub fn matches(&self, line: &RouteLine) -> bool {
        let sku = self.skus.is_empty() || self.skus.iter().any(|s| *s == line.sku.trim());
        let category = self.categories.is_empty()
            || self
                .categories
                .iter()
                .any(|c| c.to_lowercase() == line.category.trim().to_lowercase());
        let country = self.countries.is_empty()
            || self
                .countries
                .iter()
                .any(|c| c.eq_ignore_ascii_case(line.country.trim()));
        let postcode = norm_postcode(&line.postcode);
        let region = self.postcode_prefixes.is_empty()
            || self
                .postcode_prefixes
                .iter()
                .any(|p| postcode.starts_with(&norm_postcode(p)));
        sku && category && country && region
    }
}

/// One line to route: what is sold, where it goes, how much is still to place, and which
/// suppliers already refused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteLine {
    pub line: u32,
    pub sku: String,
    pub category: String,
    pub country: String,
    pub postcode: String,
    pub quantity: Qty,
    pub rejected_by: Vec<FulfilmentLocationId>,
}

/// A supplier that could take a line, as ranked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub supplier: FulfilmentLocationId,
    pub rule: RoutingRuleId,
    pub priority: u32,
    pub unit_cost: Option<Money>,
    /// What the supplier reported for the SKU (`None`: nothing reported).
    pub available: Option<Qty>,
    pub lead_time_days: Option<u32>,
}

/// Why a line could not be routed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unrouted {
    /// No rule in force matches the line.
    NoRuleMatches,
    /// Every supplier a rule names for the line has rejected it.
    AllRejected,
    /// Every supplier left reported less stock than the line needs.
    InsufficientStock,
}

impl Unrouted {
    pub fn as_str(&self) -> &'static str {
        match self {
            Unrouted::NoRuleMatches => "no_rule_matches",
            Unrouted::AllRejected => "all_rejected",
            Unrouted::InsufficientStock => "insufficient_stock",
        }
    }

    /// The reason in words, for the backorder and the timeline.
    pub fn reason(&self) -> &'static str {
        match self {
            Unrouted::NoRuleMatches => "no routing rule matches the line",
            Unrouted::AllRejected => "every supplier for the line rejected it",
            Unrouted::InsufficientStock => "no supplier reported enough stock",
        }
    }
}

/// What routing decided for one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Routed {
        line: u32,
        chosen: Candidate,
        quantity: Qty,
    },
    Unrouted {
        line: u32,
        why: Unrouted,
    },
}

impl Outcome {
    pub fn line(&self) -> u32 {
        match self {
            Outcome::Routed { line, .. } | Outcome::Unrouted { line, .. } => *line,
        }
    }
}

/// Where stock stands for a candidate: enough, not reported, or reported short.
fn stock_rank(c: &Candidate, qty: Qty) -> u8 {
    match c.available {
        Some(a) if a >= qty => 0,
        None => 1,
        Some(_) => 2,
    }
}

/// The ranked candidates for `line` (best first), before stock is spent by earlier lines.
pub fn candidates(line: &RouteLine, rules: &[RoutingRule], stock: &StockMap) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for r in rules.iter().filter(|r| r.in_force() && r.matches(line)) {
        let level = stock.get(&(r.supplier, line.sku.trim().to_owned()));
        let c = Candidate {
            supplier: r.supplier,
            rule: r.id,
            priority: r.priority,
            unit_cost: r.unit_cost,
            available: level.map(|l| l.available),
            lead_time_days: level.map(|l| l.lead_time_days),
        };
        // One entry per supplier: its best rule for this line.
        match out.iter_mut().find(|o| o.supplier == c.supplier) {
            Some(o) if sort_key(&c, line.quantity) < sort_key(o, line.quantity) => *o = c,
            Some(_) => {}
            None => out.push(c),
        }
    }
    out.sort_by_key(|c| sort_key(c, line.quantity));
    out
}

type Key = (
    u32,
    u8,
    bool,
    Option<(String, i64)>,
    FulfilmentLocationId,
    RoutingRuleId,
);

fn sort_key(c: &Candidate, qty: Qty) -> Key {
    (
        c.priority,
        stock_rank(c, qty),
        // A known cost before an unknown one; costs compare within a currency.
        c.unit_cost.is_none(),
        c.unit_cost.map(|m| (m.currency().code().to_owned(), m.minor())),
        c.supplier,
        c.rule,
    )
}

/// Routes each line (in the order given) to one supplier, or says why it cannot be.
pub fn route(lines: &[RouteLine], rules: &[RoutingRule], stock: &StockMap) -> Vec<Outcome> {
    let mut left = stock.clone();
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let all = candidates(line, rules, &left);
        if all.is_empty() {
            out.push(Outcome::Unrouted {
                line: line.line,
                why: Unrouted::NoRuleMatches,
            });
            continue;
        }
        let open: Vec<&Candidate> = all.iter().filter(|c| !line.rejected_by.contains(&c.supplier)).collect();
        if open.is_empty() {
            out.push(Outcome::Unrouted {
                line: line.line,
                why: Unrouted::AllRejected,
            });
            continue;
        }
        match open.into_iter().find(|c| stock_rank(c, line.quantity) < 2) {
            Some(c) => {
                if let Some(level) = left.get_mut(&(c.supplier, line.sku.trim().to_owned())) {
                    level.available = level.available.saturating_sub(line.quantity);
                }
                out.push(Outcome::Routed {
                    line: line.line,
                    chosen: c.clone(),
                    quantity: line.quantity,
                });
            }
            None => out.push(Outcome::Unrouted {
                line: line.line,
                why: Unrouted::InsufficientStock,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dropship::stock::StockLevel;
    use crate::money::Currency;
    use uuid::Uuid;

    fn sup(n: u128) -> FulfilmentLocationId {
        FulfilmentLocationId(Uuid::from_u128(n))
    }

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::parse("USD", "c").unwrap())
    }

    struct R {
        skus: &'static [&'static str],
        categories: &'static [&'static str],
        countries: &'static [&'static str],
        postcodes: &'static [&'static str],
        supplier: u128,
        priority: u32,
        cost: Option<i64>,
    }

    const ANY: R = R {
        skus: &[],
        categories: &[],
        countries: &[],
        postcodes: &[],
        supplier: 0,
        priority: 10,
        cost: None,
    };

    fn rule(n: u128, r: R) -> RoutingRule {
        let v = |s: &[&str]| s.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        RoutingRule {
            id: RoutingRuleId(Uuid::from_u128(1000 + n)),
            name: format!("rule {n}"),
            skus: v(r.skus),
            categories: v(r.categories),
            countries: v(r.countries),
            postcode_prefixes: v(r.postcodes),
            supplier: sup(r.supplier),
            priority: r.priority,
            unit_cost: r.cost.map(usd),
            active: true,
            created_at: OffsetDateTime::UNIX_EPOCH,
            created_by: "ops".into(),
            deleted_at: None,
        }
    }

    fn line(no: u32, sku: &str, qty: u32) -> RouteLine {
        RouteLine {
            line: no,
            sku: sku.into(),
            category: "lighting".into(),
            country: "US".into(),
            postcode: "78701".into(),
            quantity: Qty::new(qty),
            rejected_by: Vec::new(),
        }
    }

    fn stock(rows: &[(u128, &str, u32)]) -> StockMap {
        rows.iter()
            .map(|(s, sku, n)| {
                (
                    (sup(*s), (*sku).to_owned()),
                    StockLevel {
                        available: Qty::new(*n),
                        lead_time_days: 3,
                    },
                )
            })
            .collect()
    }

    /// The supplier chosen per line, or the reason it was not routed.
    fn chosen(out: &[Outcome]) -> Vec<Result<u128, &'static str>> {
        out.iter()
            .map(|o| match o {
                Outcome::Routed { chosen, .. } => Ok(chosen.supplier.0.as_u128()),
                Outcome::Unrouted { why, .. } => Err(why.as_str()),
            })
            .collect()
    }

    #[test]
    fn the_table() {
        type Case = (
            &'static str,
            Vec<RoutingRule>,
            Vec<RouteLine>,
            StockMap,
            Vec<Result<u128, &'static str>>,
        );
        let cases: Vec<Case> = vec![
            (
                "no rule at all",
                vec![],
                vec![line(1, "LMP-1", 2)],
                stock(&[]),
                vec![Err("no_rule_matches")],
            ),
            (
                "a rule for another sku matches nothing",
                vec![rule(
                    1,
                    R {
                        skus: &["LMP-2"],
                        supplier: 1,
                        ..ANY
                    },
                )],
                vec![line(1, "LMP-1", 2)],
                stock(&[]),
                vec![Err("no_rule_matches")],
            ),
            (
                "sku list, category and region all hold",
                vec![rule(
                    1,
                    R {
                        skus: &["LMP-0", "LMP-1"],
                        categories: &["Lighting"],
                        countries: &["us"],
                        postcodes: &["787"],
                        supplier: 1,
                        ..ANY
                    },
                )],
                vec![line(1, "LMP-1", 2)],
                stock(&[]),
                vec![Ok(1)],
            ),
            (
                "one criterion failing (postcode) fails the rule",
                vec![rule(
                    1,
                    R {
                        skus: &["LMP-1"],
                        postcodes: &["9"],
                        supplier: 1,
                        ..ANY
                    },
                )],
                vec![line(1, "LMP-1", 2)],
                stock(&[]),
                vec![Err("no_rule_matches")],
            ),
            (
                "country mismatch",
                vec![rule(
                    1,
                    R {
                        countries: &["DE"],
                        supplier: 1,
                        ..ANY
                    },
                )],
                vec![line(1, "LMP-1", 2)],
                stock(&[]),
                vec![Err("no_rule_matches")],
            ),
            (
                "priority beats stock and cost",
                vec![
                    rule(
                        1,
                        R {
                            supplier: 1,
                            priority: 1,
                            cost: Some(900),
                            ..ANY
                        },
                    ),
                    rule(
                        2,
                        R {
                            supplier: 2,
                            priority: 2,
                            cost: Some(100),
                            ..ANY
                        },
                    ),
                ],
                vec![line(1, "LMP-1", 2)],
                stock(&[(2, "LMP-1", 50)]),
                vec![Ok(1)],
            ),
            (
                "same priority: enough stock beats cheaper with none reported",
                vec![
                    rule(
                        1,
                        R {
                            supplier: 1,
                            cost: Some(100),
                            ..ANY
                        },
                    ),
                    rule(
                        2,
                        R {
                            supplier: 2,
                            cost: Some(900),
                            ..ANY
                        },
                    ),
                ],
                vec![line(1, "LMP-1", 2)],
                stock(&[(2, "LMP-1", 2)]),
                vec![Ok(2)],
            ),
            (
                "same priority and stock: the cheaper one",
                vec![
                    rule(
                        1,
                        R {
                            supplier: 1,
                            cost: Some(500),
                            ..ANY
                        },
                    ),
                    rule(
                        2,
                        R {
                            supplier: 2,
                            cost: Some(450),
                            ..ANY
                        },
                    ),
                    rule(
                        3,
                        R {
                            supplier: 3,
                            cost: None,
                            ..ANY
                        },
                    ),
                ],
                vec![line(1, "LMP-1", 2)],
                stock(&[(1, "LMP-1", 9), (2, "LMP-1", 9), (3, "LMP-1", 9)]),
                vec![Ok(2)],
            ),
            (
                "a full tie goes to the lower supplier id, every time",
                vec![
                    rule(
                        2,
                        R {
                            supplier: 7,
                            cost: Some(500),
                            ..ANY
                        },
                    ),
                    rule(
                        1,
                        R {
                            supplier: 4,
                            cost: Some(500),
                            ..ANY
                        },
                    ),
                ],
                vec![line(1, "LMP-1", 2)],
                stock(&[]),
                vec![Ok(4)],
            ),
            (
                "reported short is never chosen; not reported is",
                vec![
                    rule(
                        1,
                        R {
                            supplier: 1,
                            priority: 1,
                            ..ANY
                        },
                    ),
                    rule(
                        2,
                        R {
                            supplier: 2,
                            priority: 5,
                            ..ANY
                        },
                    ),
                ],
                vec![line(1, "LMP-1", 10)],
                stock(&[(1, "LMP-1", 3)]),
                vec![Ok(2)],
            ),
            (
                "everyone reported short",
                vec![rule(1, R { supplier: 1, ..ANY }), rule(2, R { supplier: 2, ..ANY })],
                vec![line(1, "LMP-1", 10)],
                stock(&[(1, "LMP-1", 3), (2, "LMP-1", 0)]),
                vec![Err("insufficient_stock")],
            ),
            (
                "stock taken by an earlier line is gone for the next",
                vec![
                    rule(
                        1,
                        R {
                            supplier: 1,
                            priority: 1,
                            ..ANY
                        },
                    ),
                    rule(
                        2,
                        R {
                            supplier: 2,
                            priority: 2,
                            ..ANY
                        },
                    ),
                ],
                vec![line(1, "LMP-1", 6), line(2, "LMP-1", 6)],
                stock(&[(1, "LMP-1", 10), (2, "LMP-1", 10)]),
                vec![Ok(1), Ok(2)],
            ),
            (
                "a supplier that rejected the line is passed over",
                vec![
                    rule(
                        1,
                        R {
                            supplier: 1,
                            priority: 1,
                            ..ANY
                        },
                    ),
                    rule(
                        2,
                        R {
                            supplier: 2,
                            priority: 2,
                            ..ANY
                        },
                    ),
                ],
                vec![RouteLine {
                    rejected_by: vec![sup(1)],
                    ..line(1, "LMP-1", 2)
                }],
                stock(&[]),
                vec![Ok(2)],
            ),
            (
                "every candidate rejected it",
                vec![rule(1, R { supplier: 1, ..ANY })],
                vec![RouteLine {
                    rejected_by: vec![sup(1)],
                    ..line(1, "LMP-1", 2)
                }],
                stock(&[]),
                vec![Err("all_rejected")],
            ),
        ];
        for (name, rules, lines, stock, want) in cases {
            assert_eq!(chosen(&route(&lines, &rules, &stock)), want, "{name}");
        }
    }

    #[test]
    fn inactive_and_deleted_rules_do_not_route() {
        let mut off = rule(1, R { supplier: 1, ..ANY });
        off.active = false;
        let mut gone = rule(2, R { supplier: 2, ..ANY });
        gone.deleted_at = Some(OffsetDateTime::UNIX_EPOCH);
        let out = route(&[line(1, "LMP-1", 1)], &[off, gone], &StockMap::new());
        assert_eq!(chosen(&out), vec![Err("no_rule_matches")]);
    }

    #[test]
    fn a_supplier_named_by_two_rules_is_one_candidate_with_its_best_rule() {
        let rules = [
            rule(
                1,
                R {
                    supplier: 1,
                    priority: 9,
                    cost: Some(100),
                    ..ANY
                },
            ),
            rule(
                2,
                R {
                    supplier: 1,
                    priority: 3,
                    cost: Some(700),
                    ..ANY
                },
            ),
            rule(
                3,
                R {
                    supplier: 2,
                    priority: 5,
                    ..ANY
                },
            ),
        ];
        let c = candidates(&line(1, "LMP-1", 1), &rules, &StockMap::new());
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].supplier, c[0].rule, c[0].priority), (sup(1), rules[1].id, 3));
        let out = route(&[line(1, "LMP-1", 4)], &rules, &StockMap::new());
        match &out[0] {
            Outcome::Routed { chosen, quantity, .. } => {
                assert_eq!(
                    (chosen.supplier, chosen.unit_cost, *quantity),
                    (sup(1), Some(usd(700)), Qty::new(4))
                );
            }
            o => panic!("not routed: {o:?}"),
        }
    }

    #[test]
    fn postcode_prefixes_ignore_spaces_and_case() {
        let r = rule(
            1,
            R {
                postcodes: &["sw1a"],
                supplier: 1,
                ..ANY
            },
        );
        let l = RouteLine {
            postcode: "SW1A 1AA".into(),
            ..line(1, "X", 1)
        };
        assert!(r.matches(&l));
        assert!(!r.matches(&RouteLine {
            postcode: "SW2 1AA".into(),
            ..l
        }));
    }

    #[test]
    fn rules_are_checked_and_normalised() {
        let mut r = rule(
            1,
            R {
                countries: &[" de "],
                skus: &[" A-1 "],
                supplier: 1,
                ..ANY
            },
        );
        r.normalise_and_check().unwrap();
        assert_eq!((r.countries[0].as_str(), r.skus[0].as_str()), ("DE", "A-1"));
        let mut bad = rule(
            1,
            R {
                countries: &["DEU"],
                supplier: 1,
                ..ANY
            },
        );
        assert_eq!(bad.normalise_and_check().unwrap_err().field, "countries[0]");
        let mut bad = rule(
            1,
            R {
                skus: &["A", "  "],
                supplier: 1,
                ..ANY
            },
        );
        assert_eq!(bad.normalise_and_check().unwrap_err().field, "skus[1]");
        let mut bad = rule(
            1,
            R {
                cost: Some(-1),
                supplier: 1,
                ..ANY
            },
        );
        assert_eq!(bad.normalise_and_check().unwrap_err().field, "unit_cost");
        let mut bad = rule(1, R { supplier: 1, ..ANY });
        bad.name = " ".into();
        assert_eq!(bad.normalise_and_check().unwrap_err().field, "name");
    }
}
