//! The script of every order — what happens to it and when — drawn up front from the seeded
//! generator: pure data, no I/O.

use super::*;

// ---------------------------------------------------------------------------------------------
// The script: what happens to every order, drawn up front from the seeded generator.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Plan {
    /// Nothing allocated yet.
    Pending,
    /// Allocated, not shipped.
    Allocated,
    /// Ships about a day after it was placed and is delivered when the carrier's transit is over.
    Normal,
    /// Shipped recently, on its way.
    InTransit,
    /// One shipment on its way, the rest still at the warehouse.
    PartlyShipped,
    /// The first line is allocated at two warehouses and ships from both.
    Split,
    /// The first line partly backordered with an expected date; the order waits to ship complete.
    BackorderDated,
    /// The first line partly backordered with no expected date; the rest ships.
    BackorderNoDate,
    /// Backordered with a date that later moved ("supplier delay").
    BackorderSlipped,
    /// A shipment stuck at a carrier hub.
    Exception,
    /// A shipment with no scan for days.
    Stalled,
    /// Delivered after the promised date.
    LateDelivery,
    /// Past the promised date and still on its way.
    LateInTransit,
    /// Delivered, with units missing.
    Short,
    /// Delivered, with units damaged.
    Damaged,
    /// Part of a line cancelled.
    Cancelled,
}

/// Plans that must appear: (plan, youngest age in hours, oldest age in hours, how many).
pub(super) const SPECIALS: &[(Plan, i64, i64, usize)] = &[
    (Plan::Pending, 0, 24, 4),
    (Plan::Allocated, 2, 60, 4),
    (Plan::InTransit, 30, 72, 4),
    (Plan::PartlyShipped, 36, 120, 4),
    (Plan::Split, 36, 72, 2),
    (Plan::Split, 288, 1440, 4),
    (Plan::BackorderDated, 36, 192, 3),
    (Plan::BackorderNoDate, 48, 288, 2),
    (Plan::BackorderSlipped, 144, 600, 2),
    (Plan::Exception, 76, 144, 2),
    (Plan::Stalled, 216, 360, 2),
    (Plan::LateDelivery, 288, 1680, 4),
    (Plan::LateInTransit, 168, 240, 1),
    (Plan::Short, 288, 1440, 2),
    (Plan::Damaged, 288, 1440, 2),
    (Plan::Cancelled, 288, 1920, 3),
];

pub(super) const MINUTES_PER_DAY: i64 = 24 * 60;

/// How long ago orders were placed, in minutes: (from, to, how many). 220 orders over 90 days,
/// recent days denser so that every in-flight state is represented.
pub(super) const AGES: [(i64, i64, usize); 5] = [
    (20, MINUTES_PER_DAY, 12),
    (MINUTES_PER_DAY, 3 * MINUTES_PER_DAY, 20),
    (3 * MINUTES_PER_DAY, 7 * MINUTES_PER_DAY, 25),
    (7 * MINUTES_PER_DAY, 15 * MINUTES_PER_DAY, 35),
    (15 * MINUTES_PER_DAY, 90 * MINUTES_PER_DAY, 128),
];

/// Relative frequency of 1..=10 lines per order.
pub(super) const LINE_WEIGHTS: [u32; 10] = [10, 18, 20, 16, 12, 8, 6, 4, 3, 3];

pub(super) struct LineScript {
    pub(super) product: usize,
    pub(super) qty: u32,
    /// The price the order will carry (contract or list), in cents.
    pub(super) cents: i64,
    /// Index into the account's receiving locations.
    pub(super) ship_to: usize,
    pub(super) requested: Option<Date>,
    pub(super) po: Option<String>,
    pub(super) cost_centre: Option<String>,
}

pub(super) struct Scan {
    pub(super) status: TrackingStatus,
    pub(super) at: OffsetDateTime,
    pub(super) location: &'static str,
    pub(super) description: &'static str,
    pub(super) estimated: Option<Date>,
}

pub(super) struct ShipScript {
    pub(super) site: usize,
    pub(super) to: usize,
    pub(super) lines: Vec<(u32, u32)>,
    pub(super) carrier: usize,
    pub(super) tracking: String,
    pub(super) shipped_at: OffsetDateTime,
    pub(super) promised: Date,
    pub(super) scans: Vec<Scan>,
    pub(super) delivered_at: Option<OffsetDateTime>,
    pub(super) receipt: Option<Vec<ReceiptLine>>,
}

pub(super) enum Step {
    Allocate {
        line: u32,
        site: usize,
        qty: u32,
    },
    Backorder {
        line: u32,
        qty: u32,
        expected: Option<Date>,
        reason: String,
    },
    Reschedule {
        line: u32,
        expected: Option<Date>,
        reason: String,
    },
    Cancel {
        line: u32,
        qty: u32,
        reason: String,
    },
    /// Creates shipment `key` of the order; its scans and receipt are steps of their own.
    Ship {
        key: usize,
        ship: Box<ShipScript>,
    },
    Scan {
        key: usize,
        scan: Scan,
    },
    Receive {
        key: usize,
        lines: Vec<ReceiptLine>,
    },
}

pub(super) struct OrderScript {
    pub(super) account: usize,
    pub(super) placed_at: OffsetDateTime,
    pub(super) po: String,
    pub(super) channel: Channel,
    pub(super) freight: Option<i64>,
    pub(super) lines: Vec<LineScript>,
    pub(super) plan: Plan,
    /// What happens after placement and when, in time order.
    pub(super) steps: Vec<(OffsetDateTime, Step)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fate {
    Hold,
    /// Ships about a day after placement; delivered if the transit time is over.
    Timed,
    /// Shipped in the last day or two, on its way.
    Transit,
    Exception,
    Stall,
    DeliverLate,
    TransitLate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Issue {
    None,
    Short,
    Damaged,
}

pub(super) struct ShipPlan {
    pub(super) site: usize,
    pub(super) to: usize,
    pub(super) lines: Vec<(u32, u32)>,
    pub(super) fate: Fate,
    pub(super) base_ship: OffsetDateTime,
    pub(super) placed_at: OffsetDateTime,
    pub(super) issue: Issue,
    pub(super) dest: &'static str,
}

pub(super) struct Route {
    pub(super) origin: &'static str,
    pub(super) hub: &'static str,
    pub(super) dest: &'static str,
}

pub(super) fn line_no(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

pub(super) fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// The seeded generator and the clock reading everything is relative to.
pub(super) struct Gen {
    pub(super) rng: ChaCha8Rng,
    pub(super) now: OffsetDateTime,
    pub(super) today: Date,
    /// Per account: (product index, unit price in cents).
    pub(super) contracts: Vec<Vec<(usize, i64)>>,
}

impl Gen {
    pub(super) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        self.rng.random_range(lo..=hi)
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    pub(super) fn index(&mut self, len: usize) -> usize {
        self.rng.random_range(0..len)
    }

    pub(super) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    pub(super) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut r = self.rng.random_range(0..total);
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return i;
            }
            r -= w;
        }
        weights.len() - 1
    }

    pub(super) fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.rng.random_range(0..10u8)))
            .collect()
    }

    pub(super) fn tracking_number(&mut self, carrier: usize) -> String {
        const ALNUM: &[u8] = b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ";
        match carrier {
            UPS => {
                let a: String = (0..6).map(|_| char::from(ALNUM[self.index(ALNUM.len())])).collect();
                format!("1Z{a}03{}", self.digits(8))
            }
            FEDEX => format!("7{}", self.digits(11)),
            _ => format!("0{}", self.digits(9)),
        }
    }

    /// A time of day within business hours on `date`.
    pub(super) fn business_time(&mut self, date: Date) -> OffsetDateTime {
        let h = u8::try_from(self.range(10, 16)).unwrap_or(12);
        let m = u8::try_from(self.range(0, 59)).unwrap_or(0);
        date.with_time(Time::from_hms(h, m, 0).unwrap_or(Time::MIDNIGHT))
            .assume_utc()
    }

    /// Draws the contract prices of every account (kept for pricing the order lines).
    pub(super) fn draw_contracts(&mut self) {
        let mut out = Vec::new();
        for spec in &ACCOUNTS {
            let mut pool: Vec<usize> = (0..PRODUCTS.len())
                .filter(|&p| spec.prefer.contains(&PRODUCTS[p].category))
                .collect();
            pool.shuffle(&mut self.rng);
            let n = usize::try_from(self.range(8, 12)).unwrap_or(8).min(pool.len());
            let mut list: Vec<(usize, i64)> = pool[..n]
                .iter()
                .map(|&p| {
                    let discount = self.range(6, 18);
                    (p, PRODUCTS[p].cents * (100 - discount) / 100)
                })
                .collect();
            list.sort_unstable();
            out.push(list);
        }
        self.contracts = out;
    }

    /// What the account pays for a product: its contract price, else the list price.
    pub(super) fn unit_cents(&self, account: usize, product: usize) -> i64 {
        self.contracts[account]
            .iter()
            .find(|c| c.0 == product)
            .map_or(PRODUCTS[product].cents, |c| c.1)
    }

    pub(super) fn orders(&mut self) -> Vec<OrderScript> {
        let mut ages: Vec<i64> = Vec::new();
        for (lo, hi, n) in AGES {
            for _ in 0..n {
                ages.push(self.range(lo, hi - 1));
            }
        }
        // Oldest first, so order numbers follow the order dates.
        ages.sort_unstable_by(|a, b| b.cmp(a));
        let mut plans: Vec<Option<Plan>> = vec![None; ages.len()];
        for &(plan, lo, hi, count) in SPECIALS {
            for _ in 0..count {
                let candidates: Vec<usize> = (0..ages.len())
                    .filter(|&i| plans[i].is_none() && ages[i] >= lo * 60 && ages[i] < hi * 60)
                    .collect();
                if candidates.is_empty() {
                    break;
                }
                let i = self.pick(&candidates);
                plans[i] = Some(plan);
            }
        }
        let mut po_numbers: Vec<i64> = Vec::new();
        for _ in &ACCOUNTS {
            po_numbers.push(self.range(1000, 4000));
        }
        let weights: Vec<u32> = ACCOUNTS.iter().map(|a| a.weight).collect();
        let mut out = Vec::with_capacity(ages.len());
        for (i, &age) in ages.iter().enumerate() {
            let plan = match plans[i] {
                Some(p) => p,
                None => self.default_plan(age),
            };
            let account = self.weighted(&weights);
            let spec = &ACCOUNTS[account];
            let placed_at = self.now - Duration::minutes(age);
            po_numbers[account] += self.range(1, 9);
            let po_number = po_numbers[account];
            let po = format!("{}{po_number}", spec.po_prefix);
            let channel = self.pick(spec.channels);
            let freight = if self.chance(spec.freight_share) {
                Some(self.range(35, 240) * 100 + self.pick(&[0, 50, 95]))
            } else {
                None
            };
            let lines = self.lines(account, placed_at, plan, po_number);
            let mut script = OrderScript {
                account,
                placed_at,
                po,
                channel,
                freight,
                lines,
                plan,
                steps: Vec::new(),
            };
            script.steps = self.steps(&script, age);
            out.push(script);
        }
        out
    }

    pub(super) fn default_plan(&mut self, age_minutes: i64) -> Plan {
        let d = age_minutes as f64 / MINUTES_PER_DAY as f64;
        let r: f64 = self.rng.random();
        if d < 1.0 {
            if r < 0.5 { Plan::Pending } else { Plan::Allocated }
        } else if d < 3.0 {
            if r < 0.25 {
                Plan::Allocated
            } else if r < 0.35 {
                Plan::PartlyShipped
            } else {
                Plan::Normal
            }
        } else if d < 7.0 {
            if r < 0.08 {
                Plan::BackorderDated
            } else if r < 0.15 {
                Plan::PartlyShipped
            } else {
                Plan::Normal
            }
        } else if d < 12.0 {
            Plan::Normal
        } else if r < 0.03 {
            Plan::LateDelivery
        } else if r < 0.06 {
            Plan::Split
        } else if r < 0.08 {
            Plan::Cancelled
        } else if r < 0.09 {
            Plan::Damaged
        } else if r < 0.10 {
            Plan::Short
        } else {
            Plan::Normal
        }
    }

    pub(super) fn lines(
        &mut self,
        account: usize,
        placed_at: OffsetDateTime,
        plan: Plan,
        po_number: i64,
    ) -> Vec<LineScript> {
        let spec = &ACCOUNTS[account];
        let receiving = spec.receiving().len();
        let n = self.weighted(&LINE_WEIGHTS) + 1;
        let k = [1, 1, 1, 1, 1, 1, 2, 2, 2, 3][self.index(10)].min(receiving);
        let mut ship_tos: Vec<usize> = (0..receiving).collect();
        ship_tos.shuffle(&mut self.rng);
        ship_tos.truncate(k);
        let preferred: Vec<usize> = (0..PRODUCTS.len())
            .filter(|&p| spec.prefer.contains(&PRODUCTS[p].category))
            .collect();
        let mut chosen: Vec<usize> = Vec::with_capacity(n);
        while chosen.len() < n {
            let p = if self.chance(0.85) {
                self.pick(&preferred)
            } else {
                self.index(PRODUCTS.len())
            };
            if !chosen.contains(&p) {
                chosen.push(p);
            }
        }
        let mut lines: Vec<LineScript> = Vec::with_capacity(n);
        for p in chosen {
            let (lo, hi) = PRODUCTS[p].qty;
            let qty = self.rng.random_range(lo..=hi);
            let ship_to = self.pick(&ship_tos);
            let requested = if self.chance(0.85) {
                Some(placed_at.date() + days(self.range(5, 12)))
            } else {
                None
            };
            let po = spec
                .line_po_codes
                .get(ship_to)
                .map(|code| format!("{}{code}-{po_number}", spec.po_prefix));
            let cost_centre = if self.chance(0.8) {
                Some(self.pick(spec.cost_centres).to_owned())
            } else {
                None
            };
            lines.push(LineScript {
                product: p,
                qty,
                cents: 0,
                ship_to,
                requested,
                po,
                cost_centre,
            });
        }
        // Plans that act on the first line need it to come from a warehouse, in some quantity.
        let min_qty = match plan {
            Plan::Split => 12,
            Plan::Cancelled => 10,
            Plan::Short | Plan::Damaged => 6,
            Plan::BackorderDated | Plan::BackorderNoDate | Plan::BackorderSlipped => 4,
            Plan::PartlyShipped => 2,
            _ => 1,
        };
        if min_qty > 1 {
            if PRODUCTS[lines[0].product].dropship {
                match lines.iter().position(|l| !PRODUCTS[l.product].dropship) {
                    Some(j) => lines.swap(0, j),
                    None => {
                        let stocked: Vec<usize> = (0..PRODUCTS.len())
                            .filter(|&p| !PRODUCTS[p].dropship && !lines.iter().any(|l| l.product == p))
                            .collect();
                        lines[0].product = self.pick(&stocked);
                    }
                }
            }
            if lines[0].qty < min_qty {
                lines[0].qty = self.rng.random_range(min_qty..=min_qty * 3);
            }
        }
        for l in &mut lines {
            l.cents = self.unit_cents(account, l.product);
        }
        lines
    }

    pub(super) fn steps(&mut self, s: &OrderScript, age_minutes: i64) -> Vec<(OffsetDateTime, Step)> {
        let mut steps = self.unsorted_steps(s, age_minutes);
        for step in &mut steps {
            step.0 = step.0.min(self.now);
        }
        steps.sort_by_key(|step| step.0);
        steps
    }

    /// Minutes after placement, as a time.
    pub(super) fn after(&mut self, placed_at: OffsetDateTime, lo: i64, hi: i64) -> OffsetDateTime {
        placed_at + Duration::minutes(self.range(lo, hi))
    }

    pub(super) fn unsorted_steps(&mut self, s: &OrderScript, age_minutes: i64) -> Vec<(OffsetDateTime, Step)> {
        let spec = &ACCOUNTS[s.account];
        let plan = s.plan;
        let p = s.placed_at;
        let mut steps = Vec::new();
        if plan == Plan::Pending {
            return steps;
        }
        let mut cancelled = vec![0u32; s.lines.len()];
        if plan == Plan::Cancelled {
            let q = s.lines[0].qty;
            let c = self.rng.random_range(2..=q / 2);
            cancelled[0] = c;
            steps.push((
                self.after(p, 5, 60),
                Step::Cancel {
                    line: 1,
                    qty: c,
                    reason: "Customer reduced the quantity".into(),
                },
            ));
            if s.lines.len() >= 3 && self.chance(0.5) {
                cancelled[1] = s.lines[1].qty;
                steps.push((
                    self.after(p, 5, 60),
                    Step::Cancel {
                        line: 2,
                        qty: s.lines[1].qty,
                        reason: "Ordered twice by mistake (duplicate of another PO)".into(),
                    },
                ));
            }
        }
        let backorder = matches!(
            plan,
            Plan::BackorderDated | Plan::BackorderNoDate | Plan::BackorderSlipped
        );
        let mut backordered = 0;
        let mut parts: Vec<Vec<(usize, u32)>> = Vec::with_capacity(s.lines.len());
        for (i, l) in s.lines.iter().enumerate() {
            let active = l.qty - cancelled[i];
            let site = if PRODUCTS[l.product].dropship {
                ACME
            } else {
                spec.primary
            };
            let part = if active == 0 {
                Vec::new()
            } else if i == 0 && plan == Plan::Split {
                let here = active * 6 / 10;
                vec![(spec.primary, here), (spec.secondary, active - here)]
            } else if i == 0 && backorder {
                let now = if active >= 4 { active / 2 } else { 0 };
                backordered = active - now;
                if now > 0 { vec![(site, now)] } else { Vec::new() }
            } else {
                vec![(site, active)]
            };
            parts.push(part);
        }
        for (i, part) in parts.iter().enumerate() {
            for &(site, qty) in part {
                steps.push((
                    self.after(p, 60, 150),
                    Step::Allocate {
                        line: line_no(i),
                        site,
                        qty,
                    },
                ));
            }
        }
        if backorder {
            let (expected, reason) = match plan {
                Plan::BackorderDated => (
                    Some(self.today + days(self.range(3, 12))),
                    format!("Out of stock at {}; replenishment on order", SITES[spec.primary].name),
                ),
                Plan::BackorderNoDate => (None, "Manufacturer allocation; no ship date yet".to_owned()),
                _ => (
                    Some(s.placed_at.date() + days(7)),
                    "Awaiting supplier replenishment".to_owned(),
                ),
            };
            steps.push((
                self.after(p, 150, 200),
                Step::Backorder {
                    line: 1,
                    qty: backordered,
                    expected,
                    reason,
                },
            ));
            if plan == Plan::BackorderSlipped {
                let at = (p + Duration::hours(4)).max(self.now - Duration::minutes(self.range(24 * 60, 72 * 60)));
                steps.push((
                    at,
                    Step::Reschedule {
                        line: 1,
                        expected: Some(self.today + days(self.range(7, 14))),
                        reason: "supplier delay".into(),
                    },
                ));
            }
        }
        if plan == Plan::Allocated {
            return steps;
        }
        // One shipment per (fulfilment location, ship-to).
        // (fulfilment location, ship-to, [(line, quantity)])
        type Group = (usize, usize, Vec<(u32, u32)>);
        let mut groups: Vec<Group> = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let to = s.lines[i].ship_to;
            for &(site, qty) in part {
                match groups.iter_mut().find(|g| g.0 == site && g.1 == to) {
                    Some(g) => g.2.push((line_no(i), qty)),
                    None => groups.push((site, to, vec![(line_no(i), qty)])),
                }
            }
        }
        let young = age_minutes < 7 * MINUTES_PER_DAY;
        let base_ship = s.placed_at + Duration::minutes(self.range(16 * 60, 44 * 60));
        let single = groups.len() == 1;
        let receiving = spec.receiving();
        for (gi, (site, to, mut lines)) in groups.into_iter().enumerate() {
            let fate = match (plan, gi) {
                (Plan::InTransit, _) | (Plan::PartlyShipped, 0) => Fate::Transit,
                (Plan::PartlyShipped, _) | (Plan::BackorderDated, _) => Fate::Hold,
                (Plan::Split, _) if young => Fate::Transit,
                (Plan::Exception, 0) => Fate::Exception,
                (Plan::Stalled, 0) => Fate::Stall,
                (Plan::LateDelivery, 0) => Fate::DeliverLate,
                (Plan::LateInTransit, 0) => Fate::TransitLate,
                _ => Fate::Timed,
            };
            if fate == Fate::Hold {
                continue;
            }
            if plan == Plan::PartlyShipped && single {
                // Ship half of the first line with more than one unit; the rest waits.
                match lines.iter_mut().find(|l| l.1 >= 2) {
                    Some(l) => l.1 /= 2,
                    None => lines.truncate(1),
                }
            }
            let issue = match (plan, gi) {
                (Plan::Short, 0) => Issue::Short,
                (Plan::Damaged, 0) => Issue::Damaged,
                _ => Issue::None,
            };
            let ship = self.shipment(ShipPlan {
                site,
                to,
                lines,
                fate,
                base_ship,
                placed_at: s.placed_at,
                issue,
                dest: receiving[to].city,
            });
            if let Some(mut ship) = ship {
                let key = gi;
                let shipped_at = ship.shipped_at;
                let scans = std::mem::take(&mut ship.scans);
                let receipt = ship.receipt.take().zip(ship.delivered_at);
                steps.push((
                    shipped_at,
                    Step::Ship {
                        key,
                        ship: Box::new(ship),
                    },
                ));
                for scan in scans {
                    // Carriers report a few minutes after the fact.
                    let at = (scan.at + Duration::minutes(self.range(2, 25))).max(shipped_at + Duration::minutes(1));
                    steps.push((at, Step::Scan { key, scan }));
                }
                if let Some((lines, delivered)) = receipt {
                    let at = delivered + Duration::minutes(self.range(60, 26 * 60));
                    steps.push((at, Step::Receive { key, lines }));
                }
            }
        }
        steps
    }

    pub(super) fn shipment(&mut self, p: ShipPlan) -> Option<ShipScript> {
        let now = self.now;
        let today = self.today;
        let carrier = if p.fate == Fate::Stall {
            ESTES
        } else {
            SITES[p.site].carrier
        };
        let hub = if p.fate == Fate::Exception {
            "Memphis, TN"
        } else {
            self.pick(SITES[p.site].hubs)
        };
        let route = Route {
            origin: SITES[p.site].city,
            hub,
            dest: p.dest,
        };
        let transit = if CARRIERS[carrier].parcel {
            self.range(2, 4)
        } else {
            self.range(3, 6)
        };
        let earliest = p.placed_at + Duration::hours(3);
        let jitter = Duration::minutes(self.range(0, 300));
        let tracking = self.tracking_number(carrier);
        let recent = now - Duration::minutes(30);
        let (shipped_at, end, promised, cutoff) = match p.fate {
            Fate::Hold => return None,
            Fate::Timed => {
                let ship = p.base_ship + jitter;
                if ship > now - Duration::hours(2) {
                    return None;
                }
                let end = self.business_time(ship.date() + days(transit));
                let promised = end.date() + days(self.range(0, 1));
                let cutoff = if end <= now - Duration::hours(1) { end } else { recent };
                (ship, end, promised, cutoff)
            }
            Fate::Transit => {
                let ship = earliest.max(now - Duration::minutes(self.range(10 * 60, 40 * 60)));
                if ship > recent {
                    return None;
                }
                let end = self.business_time((ship.date() + days(transit)).max(today + days(1)));
                let promised = end.date() + days(self.range(0, 1));
                (ship, end, promised, recent)
            }
            Fate::Exception => {
                let ship = earliest.max(now - Duration::minutes(self.range(50 * 60, 64 * 60)));
                let end = self.business_time((ship.date() + days(4)).max(today + days(1)));
                (ship, end, end.date(), now - Duration::hours(14))
            }
            Fate::Stall => {
                let ship = earliest.max(now - days(8) - Duration::minutes(self.range(0, 600)));
                let end = self.business_time((ship.date() + days(10)).max(today + days(2)));
                (ship, end, end.date(), ship + Duration::hours(21))
            }
            Fate::TransitLate => {
                let ship = earliest.max(now - days(6) - Duration::minutes(self.range(0, 480)));
                let end = self.business_time(today + days(1));
                (ship, end, ship.date() + days(3), now - Duration::hours(20))
            }
            Fate::DeliverLate => {
                let ship = p.base_ship + jitter;
                if ship > now - Duration::hours(2) {
                    return None;
                }
                let promised = ship.date() + days(2);
                let late_by = days(self.range(1, 3));
                let end = self.business_time(promised + late_by);
                let cutoff = if end <= now - Duration::hours(1) { end } else { recent };
                (ship, end, promised, cutoff)
            }
        };
        let mut scans = journey(shipped_at, end, cutoff, &route);
        match p.fate {
            Fate::Exception => {
                let at = now - Duration::minutes(self.range(6 * 60, 12 * 60));
                scans.push(Scan {
                    status: TrackingStatus::Exception,
                    at,
                    location: "Memphis, TN",
                    description: "Weather delay: severe storms at the Memphis hub",
                    estimated: Some(promised + days(2)),
                });
            }
            Fate::TransitLate => {
                if let Some(last) = scans.last_mut() {
                    last.estimated = Some(today + days(1));
                }
            }
            _ => {}
        }
        let delivered_at = scans
            .last()
            .filter(|s| s.status == TrackingStatus::Delivered)
            .map(|s| s.at);
        let receipt = if delivered_at.is_none() {
            None
        } else if p.issue != Issue::None || self.chance(0.35) {
            Some(self.receipt(&p.lines, p.issue))
        } else {
            None
        };
        Some(ShipScript {
            site: p.site,
            to: p.to,
            lines: p.lines,
            carrier,
            tracking,
            shipped_at,
            promised,
            scans,
            delivered_at,
            receipt,
        })
    }

    pub(super) fn receipt(&mut self, lines: &[(u32, u32)], issue: Issue) -> Vec<ReceiptLine> {
        let mut out: Vec<ReceiptLine> = lines
            .iter()
            .map(|&(line, q)| ReceiptLine {
                line,
                received: Qty::new(q),
                damaged: Qty::ZERO,
                wrong_item: Qty::ZERO,
                note: None,
            })
            .collect();
        if issue == Issue::None {
            return out;
        }
        if let Some(r) = out.iter_mut().find(|r| r.received.get() >= 2) {
            let q = r.received.get();
            match issue {
                Issue::Short => {
                    let k = self.rng.random_range(1..=(q - 1).min(3));
                    r.received = Qty::new(q - k);
                    r.note = Some(format!("{k} short; the packing slip lists {q}"));
                }
                Issue::Damaged => {
                    let k = self.rng.random_range(1..=(q - 1).min(2));
                    r.received = Qty::new(q - k);
                    r.damaged = Qty::new(k);
                    r.note = Some(format!("{k} crushed on arrival; photos sent to customer service"));
                }
                Issue::None => {}
            }
        }
        out
    }
}

/// Carrier scans from pickup to delivery at `end`, keeping those up to `cutoff`.
pub(super) fn journey(ship: OffsetDateTime, end: OffsetDateTime, cutoff: OffsetDateTime, r: &Route) -> Vec<Scan> {
    let h = Duration::hours;
    let scan = |status, at, location, description| Scan {
        status,
        at,
        location,
        description,
        estimated: None,
    };
    use TrackingStatus::{Delivered, InTransit, InfoReceived, OutForDelivery};
    let mut all = vec![
        scan(InfoReceived, ship - h(2), r.origin, "Shipment information received"),
        scan(InTransit, ship + h(1), r.origin, "Picked up"),
        scan(InTransit, ship + h(6), r.origin, "Departed facility"),
        scan(InTransit, ship + h(20), r.hub, "Arrived at facility"),
        scan(InTransit, ship + h(26), r.hub, "Departed facility"),
    ];
    let mut t = ship + h(48);
    while t < end - h(10) {
        all.push(scan(InTransit, t, r.hub, "In transit"));
        t += h(22);
    }
    all.push(scan(InTransit, end - h(9), r.dest, "Arrived at destination facility"));
    all.push(scan(OutForDelivery, end - h(4), r.dest, "Out for delivery"));
    all.push(scan(Delivered, end, r.dest, "Delivered; signed for at the front desk"));
    let mut out: Vec<Scan> = Vec::with_capacity(all.len());
    for s in all {
        if s.at <= cutoff && out.last().is_none_or(|l| s.at > l.at) {
            out.push(s);
        }
    }
    out
}
