//! Billing scripted from what the orders' scripts ship and receive: invoices (clean ones and
//! each kind of mismatch), credit memos and payments.

use super::*;

// ---------------------------------------------------------------------------------------------
// Billing: invoices (clean ones and each kind of mismatch), credit memos, payments — scripted
// from what the orders' scripts ship and receive.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Clean,
    /// Bills two units more than shipped.
    MoreThanShipped,
    /// Bills a contract-priced line at list price.
    PriceVariance,
    /// Bills freight the order never quoted.
    Freight,
    /// A correct invoice followed by a second one billing the same shipment again.
    Twice,
    /// Bills an order that has not shipped.
    BeforeShipped,
}

#[derive(Clone)]
pub(super) struct BillLine {
    pub(super) line: u32,
    /// Key of the order's shipment the line bills, if any.
    pub(super) ship: Option<usize>,
    pub(super) qty: u32,
    pub(super) cents: i64,
}

pub(super) struct InvoicePlan {
    pub(super) order: usize,
    pub(super) at: OffsetDateTime,
    pub(super) lines: Vec<BillLine>,
    pub(super) freight: i64,
    /// Clean invoices get paid; disputed ones wait.
    pub(super) payable: bool,
}

impl InvoicePlan {
    pub(super) fn subtotal(&self) -> i64 {
        self.lines.iter().map(|l| l.cents * i64::from(l.qty)).sum()
    }
    /// Sales tax, 8%.
    pub(super) fn tax(&self) -> i64 {
        (self.subtotal() * 8 + 50) / 100
    }
    pub(super) fn total(&self) -> i64 {
        self.subtotal() + self.tax() + self.freight
    }
}

pub(super) struct MemoPlan {
    pub(super) invoice: usize,
    pub(super) at: OffsetDateTime,
    pub(super) amount: i64,
    pub(super) reason: String,
}

pub(super) struct PaymentPlan {
    pub(super) account: usize,
    pub(super) at: OffsetDateTime,
    pub(super) amount: i64,
    pub(super) reference: String,
    /// (invoice plan index, amount in cents).
    pub(super) applications: Vec<(usize, i64)>,
}

#[derive(Default)]
pub(super) struct Billing {
    pub(super) invoices: Vec<InvoicePlan>,
    pub(super) memos: Vec<MemoPlan>,
    pub(super) payments: Vec<PaymentPlan>,
}

pub(super) fn ships_of(s: &OrderScript) -> impl Iterator<Item = (usize, &ShipScript)> {
    s.steps.iter().filter_map(|(_, step)| match step {
        Step::Ship { key, ship } => Some((*key, ship.as_ref())),
        _ => None,
    })
}

pub(super) fn choose(g: &mut Gen, n: usize, used: &mut Vec<usize>, pred: impl Fn(usize) -> bool) -> Option<usize> {
    let candidates: Vec<usize> = (0..n).filter(|i| !used.contains(i) && pred(*i)).collect();
    if candidates.is_empty() {
        return None;
    }
    let i = g.pick(&candidates);
    used.push(i);
    Some(i)
}

pub(super) fn ymd(d: Date) -> String {
    format!("{}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

pub(super) fn reference(method: PaymentMethod, n: usize, at: OffsetDateTime) -> String {
    match method {
        PaymentMethod::Ach => format!("ACH {}-{:04}", ymd(at.date()), 3100 + n),
        PaymentMethod::Cheque => format!("Cheque #{}", 20417 + n),
        PaymentMethod::Wire => format!("Fedwire IMAD {}QMGFT{:06}", ymd(at.date()), 7310 + n * 37),
        PaymentMethod::Card => format!("Visa ending 4417, auth {:06}", (n * 7919 + 104_729) % 1_000_000),
    }
}

/// `d` at `hour`:00 UTC.
pub(super) fn at_hour(d: Date, hour: u8) -> OffsetDateTime {
    d.with_time(Time::from_hms(hour, 0, 0).unwrap_or(Time::MIDNIGHT))
        .assume_utc()
}

impl Gen {
    pub(super) fn billing(&mut self, scripts: &[OrderScript]) -> Billing {
        let now = self.now;
        let today = self.today;
        let n = scripts.len();
        let old_delivered = |i: usize| {
            let s = &scripts[i];
            s.plan == Plan::Normal
                && now - s.placed_at >= days(20)
                && ships_of(s).next().is_some()
                && ships_of(s).all(|(_, sh)| sh.delivered_at.is_some())
        };
        let contract_line = |i: usize| {
            scripts[i]
                .lines
                .iter()
                .position(|l| l.cents < PRODUCTS[l.product].cents)
        };
        let mut roles = vec![Role::Clean; n];
        let mut used = Vec::new();
        let picks: [(Role, &dyn Fn(usize) -> bool); 5] = [
            (Role::MoreThanShipped, &old_delivered),
            (Role::PriceVariance, &|i| old_delivered(i) && contract_line(i).is_some()),
            (Role::Freight, &|i| old_delivered(i) && scripts[i].freight.is_none()),
            (Role::Twice, &old_delivered),
            (Role::BeforeShipped, &|i| {
                scripts[i].plan == Plan::Allocated && now - scripts[i].placed_at >= Duration::hours(4)
            }),
        ];
        for (role, pred) in picks {
            if let Some(i) = choose(self, n, &mut used, pred) {
                roles[i] = role;
            }
        }

        let mut b = Billing::default();
        for (i, s) in scripts.iter().enumerate() {
            let role = roles[i];
            let (lines, at) = if role == Role::BeforeShipped {
                let lines = s
                    .lines
                    .iter()
                    .enumerate()
                    .map(|(k, l)| BillLine {
                        line: line_no(k),
                        ship: None,
                        qty: l.qty,
                        cents: l.cents,
                    })
                    .collect();
                (lines, now - Duration::minutes(self.range(30, 120)))
            } else {
                let Some(last) = ships_of(s).map(|(_, sh)| sh.shipped_at).max() else {
                    continue;
                };
                if role == Role::Clean && (last > now - days(1) || !self.chance(0.92)) {
                    continue;
                }
                let at = (last + Duration::minutes(self.range(2 * 60, 30 * 60))).min(now);
                let mut lines: Vec<BillLine> = Vec::new();
                for (key, sh) in ships_of(s) {
                    for &(line, qty) in &sh.lines {
                        let cents = s.lines[line as usize - 1].cents;
                        lines.push(BillLine {
                            line,
                            ship: Some(key),
                            qty,
                            cents,
                        });
                    }
                }
                match role {
                    Role::MoreThanShipped => {
                        if let Some(l) = lines.first_mut() {
                            l.qty += 2;
                        }
                    }
                    Role::PriceVariance => {
                        if let Some(k) = contract_line(i) {
                            let list = PRODUCTS[s.lines[k].product].cents;
                            for l in lines.iter_mut().filter(|l| l.line == line_no(k)) {
                                l.cents = list;
                            }
                        }
                    }
                    _ => {}
                }
                (lines, at)
            };
            let freight = if role == Role::Freight {
                8_500
            } else {
                s.freight.unwrap_or(0)
            };
            let repeat = lines.first().cloned();
            b.invoices.push(InvoicePlan {
                order: i,
                at,
                lines,
                freight,
                payable: matches!(role, Role::Clean | Role::Twice),
            });
            if let (Role::Twice, Some(repeat)) = (role, repeat) {
                b.invoices.push(InvoicePlan {
                    order: i,
                    at: (at + days(3)).min(now),
                    lines: vec![repeat],
                    freight: 0,
                    payable: false,
                });
            }
        }
        let mut balances: Vec<i64> = b.invoices.iter().map(InvoicePlan::total).collect();

        // Credit memos for what arrived short or damaged (units plus tax).
        for (j, inv) in b.invoices.iter().enumerate() {
            let s = &scripts[inv.order];
            let kind = match s.plan {
                Plan::Short => "Short delivery",
                Plan::Damaged => "Damaged in transit",
                _ => continue,
            };
            if !inv.payable {
                continue;
            }
            let mut amount = 0i64;
            let mut what = Vec::new();
            for (_, step) in &s.steps {
                let Step::Receive { key, lines } = step else { continue };
                let Some((_, sh)) = ships_of(s).find(|(k, _)| k == key) else {
                    continue;
                };
                for rl in lines {
                    let shipped = sh.lines.iter().find(|l| l.0 == rl.line).map_or(0, |l| l.1);
                    let bad = shipped.saturating_sub(rl.received.get());
                    if bad > 0 {
                        let l = &s.lines[rl.line as usize - 1];
                        amount += l.cents * i64::from(bad);
                        what.push(format!("{bad} × {}", PRODUCTS[l.product].sku));
                    }
                }
            }
            let amount = ((amount * 108 + 50) / 100).min(balances[j]);
            if amount <= 0 {
                continue;
            }
            let at = at_hour(inv.at.date() + days(6), 11)
                .min(now)
                .max(inv.at + Duration::hours(1));
            b.memos.push(MemoPlan {
                invoice: j,
                at,
                amount,
                reason: format!("{kind}: {}", what.join(", ")),
            });
            balances[j] -= amount;
        }

        // Payments: most invoices are paid around their due date, some partly, some not at all.
        let due = |inv: &InvoicePlan| inv.at.date() + days(i64::from(ACCOUNTS[scripts[inv.order].account].net_days));
        let forced_partial = b
            .invoices
            .iter()
            .position(|inv| inv.payable && due(inv) >= today && (today - inv.at.date()).whole_days() >= 3);
        let forced_overdue = b
            .invoices
            .iter()
            .position(|inv| inv.payable && due(inv) < today && ACCOUNTS[scripts[inv.order].account].net_days == 15);
        let latest = now - Duration::hours(2);
        let mut batch: Vec<(usize, i64, OffsetDateTime)> = Vec::new();
        for (j, inv) in b.invoices.iter().enumerate() {
            let balance = balances[j];
            if !inv.payable || balance <= 0 {
                continue;
            }
            let account = scripts[inv.order].account;
            let net = i64::from(ACCOUNTS[account].net_days);
            let issued = inv.at.date();
            let since = (today - issued).whole_days();
            let overdue = today > due(inv);
            let r: f64 = self.rng.random();
            // 0: nothing, 1: in full, 2: in part.
            let decision = if Some(j) == forced_partial {
                2
            } else if Some(j) == forced_overdue {
                0
            } else if overdue {
                if r < 0.8 {
                    1
                } else if r < 0.88 {
                    2
                } else {
                    0
                }
            } else if since >= 5 {
                if r < 0.3 {
                    1
                } else if r < 0.45 {
                    2
                } else {
                    0
                }
            } else {
                0
            };
            if decision == 0 {
                continue;
            }
            let after = if overdue {
                self.range((net - 12).max(3), net + 6)
            } else {
                self.range(1, (since - 1).max(1))
            };
            let at = self
                .business_time(issued + days(after))
                .min(latest)
                .max(inv.at + Duration::hours(1));
            let amount = if decision == 1 {
                balance
            } else {
                let part = balance * self.range(30, 70) / 100 / 100 * 100;
                part.max(100).min(balance - 1)
            };
            if decision == 1 && account == BATCH_PAYER {
                // This customer remits for several invoices at once.
                batch.push((j, amount, at));
                if batch.len() == 3 {
                    let p = remittance(&mut batch, b.payments.len());
                    b.payments.push(p);
                }
                continue;
            }
            let method = ACCOUNTS[account].method;
            b.payments.push(PaymentPlan {
                account,
                at,
                amount,
                reference: reference(method, b.payments.len(), at),
                applications: vec![(j, amount)],
            });
        }
        if !batch.is_empty() {
            let p = remittance(&mut batch, b.payments.len());
            b.payments.push(p);
        }
        b
    }
}

/// One payment settling the batched invoices of the batch payer.
pub(super) fn remittance(batch: &mut Vec<(usize, i64, OffsetDateTime)>, n: usize) -> PaymentPlan {
    let amount: i64 = batch.iter().map(|b| b.1).sum();
    let at = batch.iter().map(|b| b.2).max().unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let method = ACCOUNTS[BATCH_PAYER].method;
    let p = PaymentPlan {
        account: BATCH_PAYER,
        at,
        amount,
        reference: reference(method, n, at),
        applications: batch.iter().map(|b| (b.0, b.1)).collect(),
    };
    batch.clear();
    p
}
