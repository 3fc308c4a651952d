//! Running the script through the application: the world is created, then every command runs
//! at its business time, runs of commands on distinct orders concurrently.

use super::*;

// ---------------------------------------------------------------------------------------------
// Running the script through the application.
// ---------------------------------------------------------------------------------------------

pub(super) struct Actors {
    pub(super) system: Ctx,
    /// Warehouse and customer-service operations.
    pub(super) ops: Ctx,
    /// Records what customers report on arrival.
    pub(super) cs: Ctx,
    /// Accounts receivable: invoices, credit memos, payments.
    pub(super) ar: Ctx,
}

pub(super) struct World {
    pub(super) sites: Vec<FulfilmentLocationId>,
    pub(super) products: Vec<ProductId>,
    pub(super) accounts: Vec<AccountWorld>,
}

pub(super) struct AccountWorld {
    pub(super) id: AccountId,
    pub(super) receiving: Vec<LocationId>,
}

/// The application over the same store with a clock of its own, set to the business time of
/// each command before it runs, so timeline events, backorder changes, receipts and invoice
/// records carry the time they happened rather than the time of the load.
pub(super) struct Stage {
    pub(super) app: App,
    pub(super) clock: Arc<FixedClock>,
}

impl Stage {
    pub(super) fn new(app: &App, at: OffsetDateTime) -> Stage {
        let clock = Arc::new(FixedClock::new(at));
        Stage {
            app: App::new(app.store.clone(), clock.clone()),
            clock,
        }
    }

    pub(super) fn at(&self, t: OffsetDateTime) -> &App {
        self.clock.set(t);
        &self.app
    }
}

/// Polls futures concurrently on the current task; outputs in input order.
pub(super) async fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut futs: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (f, o) in futs.iter_mut().zip(out.iter_mut()) {
            if o.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *o = Some(v),
                    Poll::Pending => done = false,
                }
            }
        }
        if done { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
    out.into_iter().flatten().collect()
}

/// The seller's set-up: fulfilment locations, products, accounts and contract prices, dated
/// before the first order. Account numbers come from the caller's numbering.
pub(super) async fn setup(app: &App, a: &Actors, g: &mut Gen, usd: Currency) -> Result<World> {
    let ctx = &a.system;
    let stage = Stage::new(app, g.now - days(100));
    let mut sites = Vec::with_capacity(SITES.len());
    for s in &SITES {
        let input = NewFulfilmentLocation {
            code: s.code.into(),
            name: s.name.into(),
            kind: s.kind,
            city: s.city.into(),
        };
        let app = &stage.app;
        let v = app
            .run(ctx, async || app.plan_create_fulfilment_location(ctx, &input).await)
            .await?;
        sites.push(v.value.id);
    }
    let inputs: Vec<NewProduct> = PRODUCTS
        .iter()
        .map(|p| NewProduct {
            sku: p.sku.into(),
            name: p.name.into(),
            category: p.category.into(),
            list_price: Money::from_minor(p.cents, usd),
            setup_guide: p.setup_guide.map(str::to_owned),
            care_instructions: p.care.map(str::to_owned),
        })
        .collect();
    let mut products = Vec::with_capacity(inputs.len());
    for input in &inputs {
        let app = &stage.app;
        let v = app.run(ctx, async || app.plan_create_product(ctx, input).await).await?;
        products.push(v.value.id);
    }
    let mut accounts = Vec::with_capacity(ACCOUNTS.len());
    for spec in &ACCOUNTS {
        let number = format!("C-{}", app.next_number("account").await?);
        let input = NewAccount {
            number: Some(number),
            name: spec.name.into(),
            currency: usd,
            terms: PaymentTerms {
                net_days: spec.net_days,
            },
            credit_limit: Money::from_minor(spec.credit_dollars * 100, usd),
            locations: spec
                .locations
                .iter()
                .map(|l| NewLocation {
                    kind: l.kind,
                    name: l.name.into(),
                    address: l.address.into(),
                    city: l.city.into(),
                    postcode: l.postcode.into(),
                    country: "US".into(),
                })
                .collect(),
        };
        let app = &stage.app;
        let account = app
            .run(ctx, async || app.plan_create_account(ctx, &input).await)
            .await?
            .value;
        accounts.push(AccountWorld {
            id: account.id,
            receiving: account
                .locations
                .iter()
                .filter(|l| l.kind.can_receive())
                .map(|l| l.id)
                .collect(),
        });
    }
    g.draw_contracts();
    let app = stage.at(g.now - days(99));
    for (acc, list) in accounts.iter().zip(&g.contracts) {
        for &(p, cents) in list {
            let price = Money::from_minor(cents, usd);
            app.run(ctx, async || {
                app.plan_set_contract_price(ctx, acc.id, products[p], price).await
            })
            .await?;
        }
    }
    Ok(World {
        sites,
        products,
        accounts,
    })
}

/// One command of the dataset.
#[derive(Debug, Clone, Copy)]
pub(super) enum Task {
    Place(usize),
    /// Step `1` of order `0`.
    Step(usize, usize),
    Issue(usize),
    Memo(usize),
    Pay(usize),
}

/// Credit memos take their numbers from one numbering, so they never run side by side.
pub(super) const MEMO_KEY: usize = usize::MAX;

/// At most this many commands run concurrently...
pub(super) const WINDOW: usize = 64;
/// ...out of this many next ones looked at.
pub(super) const LOOKAHEAD: usize = 256;

/// What a command created that later commands refer to.
pub(super) enum Created {
    Nothing,
    Order(usize, OrderId),
    Shipment(usize, usize, ShipmentId),
    Invoice(usize, InvoiceId),
}

#[derive(Default)]
pub(super) struct Ids {
    pub(super) orders: Vec<Option<OrderId>>,
    /// Per order: (shipment key, id).
    pub(super) shipments: Vec<Vec<(usize, ShipmentId)>>,
    pub(super) invoices: Vec<Option<InvoiceId>>,
}

impl Ids {
    pub(super) fn order(&self, i: usize) -> Result<OrderId> {
        self.orders[i].ok_or_else(|| AppError::not_found("order"))
    }
    pub(super) fn shipment(&self, order: usize, key: usize) -> Result<ShipmentId> {
        self.shipments[order]
            .iter()
            .find(|s| s.0 == key)
            .map(|s| s.1)
            .ok_or_else(|| AppError::not_found("shipment"))
    }
    pub(super) fn invoice(&self, j: usize) -> Result<InvoiceId> {
        self.invoices[j].ok_or_else(|| AppError::not_found("invoice"))
    }
}

pub(super) struct Demo<'a> {
    pub(super) app: &'a App,
    pub(super) actors: Actors,
    pub(super) world: World,
    pub(super) scripts: Vec<OrderScript>,
    pub(super) billing: Billing,
    pub(super) order_numbers: Vec<String>,
    pub(super) invoice_numbers: Vec<String>,
    /// Credit memos are numbered by this app's numbering, in time order.
    pub(super) memo_stage: Stage,
    pub(super) usd: Currency,
}

impl Demo<'_> {
    pub(super) fn when(&self, task: Task) -> OffsetDateTime {
        match task {
            Task::Place(i) => self.scripts[i].placed_at,
            Task::Step(i, k) => self.scripts[i].steps[k].0,
            Task::Issue(j) => self.billing.invoices[j].at,
            Task::Memo(m) => self.billing.memos[m].at,
            Task::Pay(p) => self.billing.payments[p].at,
        }
    }

    pub(super) fn account_of(&self, task: Task) -> usize {
        let invoices = &self.billing.invoices;
        match task {
            Task::Place(i) | Task::Step(i, _) => self.scripts[i].account,
            Task::Issue(j) => self.scripts[invoices[j].order].account,
            Task::Memo(m) => self.scripts[invoices[self.billing.memos[m].invoice].order].account,
            Task::Pay(p) => self.billing.payments[p].account,
        }
    }

    /// The orders (and numberings) a command touches: commands sharing a key run in time order.
    pub(super) fn keys(&self, task: Task) -> Vec<usize> {
        let invoices = &self.billing.invoices;
        match task {
            Task::Place(i) | Task::Step(i, _) => vec![i],
            Task::Issue(j) => vec![invoices[j].order],
            Task::Memo(m) => vec![invoices[self.billing.memos[m].invoice].order, MEMO_KEY],
            Task::Pay(p) => self.billing.payments[p]
                .applications
                .iter()
                .map(|a| invoices[a.0].order)
                .collect(),
        }
    }

    /// Every command, in time order per account, run in concurrent passes in which no two
    /// commands touch the same order (so an order's, invoice's or payment's never overlap).
    pub(super) async fn run_all(&self) -> Result<()> {
        let mut tasks: Vec<Task> = Vec::new();
        for (i, s) in self.scripts.iter().enumerate() {
            tasks.push(Task::Place(i));
            tasks.extend((0..s.steps.len()).map(|k| Task::Step(i, k)));
        }
        tasks.extend((0..self.billing.invoices.len()).map(Task::Issue));
        tasks.extend((0..self.billing.memos.len()).map(Task::Memo));
        tasks.extend((0..self.billing.payments.len()).map(Task::Pay));
        tasks.sort_by_key(|t| self.when(*t));
        let mut ids = Ids {
            orders: vec![None; self.scripts.len()],
            shipments: vec![Vec::new(); self.scripts.len()],
            invoices: vec![None; self.billing.invoices.len()],
        };
        let mut pending: std::collections::VecDeque<Task> = tasks.into();
        while !pending.is_empty() {
            // Per account, the longest run of next commands touching distinct orders. They run
            // concurrently and each sends its commit on its first poll, in order, so every
            // timeline (an order's, an invoice's, an account's) stays in time order. A credit
            // memo may wait for its number, so it ends its account's run.
            let mut seen: Vec<usize> = Vec::new();
            let mut blocked = [false; ACCOUNTS.len()];
            let mut picked: Vec<Task> = Vec::new();
            let mut deferred: Vec<Task> = Vec::new();
            while picked.len() < WINDOW && picked.len() + deferred.len() < LOOKAHEAD {
                let Some(t) = pending.pop_front() else { break };
                let account = self.account_of(t);
                let keys = self.keys(t);
                if blocked[account] || keys.iter().any(|k| seen.contains(k)) {
                    blocked[account] = true;
                    deferred.push(t);
                    continue;
                }
                picked.push(t);
                seen.extend(keys);
                // One task per account per window: an account's events then commit in the order
                // of their business times (its timeline is chronological), however long each
                // command takes (placement reads the account's credit exposure).
                blocked[account] = true;
            }
            for t in deferred.into_iter().rev() {
                pending.push_front(t);
            }
            let ids_now = &ids;
            let created = join_all(picked.iter().map(|&t| self.run(ids_now, t))).await;
            for c in created {
                match c? {
                    Created::Nothing => {}
                    Created::Order(i, id) => ids.orders[i] = Some(id),
                    Created::Shipment(i, key, id) => ids.shipments[i].push((key, id)),
                    Created::Invoice(j, id) => ids.invoices[j] = Some(id),
                }
            }
        }
        Ok(())
    }

    /// Runs one command. An in-memory SQLite store (shared cache) refuses a read or write that
    /// overlaps another connection's with "table is locked" instead of waiting; such a command
    /// changed nothing and is simply tried again.
    pub(super) async fn run(&self, ids: &Ids, task: Task) -> Result<Created> {
        let mut attempt = 0;
        loop {
            match self.run_once(ids, task).await {
                Err(AppError::Store(e)) if e.message.contains("locked") && attempt < 100 => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
                r => return r,
            }
        }
    }

    pub(super) async fn run_once(&self, ids: &Ids, task: Task) -> Result<Created> {
        let at = self.when(task);
        match task {
            Task::Place(i) => self.place(i, at).await,
            Task::Step(i, k) => self.step(ids, i, k, at).await,
            Task::Issue(j) => self.issue(ids, j, at).await,
            Task::Memo(m) => {
                let plan = &self.billing.memos[m];
                let inv = &self.billing.invoices[plan.invoice];
                let ar = &self.actors.ar;
                let input = IssueCreditMemo {
                    account_id: self.world.accounts[self.scripts[inv.order].account].id,
                    invoice_id: Some(ids.invoice(plan.invoice)?),
                    amount: Money::from_minor(plan.amount, self.usd),
                    reason: plan.reason.clone(),
                    issued_on: Some(at.date()),
                };
                let app = self.memo_stage.at(at);
                app.run(ar, async || app.plan_issue_credit_memo(ar, &input).await)
                    .await?;
                Ok(Created::Nothing)
            }
            Task::Pay(p) => {
                let plan = &self.billing.payments[p];
                let method = ACCOUNTS[plan.account].method;
                let mut applications = Vec::with_capacity(plan.applications.len());
                for &(j, cents) in &plan.applications {
                    applications.push(PaymentApplication {
                        invoice_id: ids.invoice(j)?,
                        amount: Money::from_minor(cents, self.usd),
                    });
                }
                let input = ReceivePayment {
                    account_id: self.world.accounts[plan.account].id,
                    method,
                    amount: Money::from_minor(plan.amount, self.usd),
                    reference: Some(plan.reference.clone()),
                    received_at: Some(at),
                    applications,
                };
                let ar = &self.actors.ar;
                let stage = Stage::new(self.app, at);
                let app = &stage.app;
                app.run(ar, async || app.plan_receive_payment(ar, &input).await).await?;
                Ok(Created::Nothing)
            }
        }
    }

    pub(super) async fn place(&self, i: usize, at: OffsetDateTime) -> Result<Created> {
        let s = &self.scripts[i];
        let acc = &self.world.accounts[s.account];
        let input = PlaceOrder {
            account_id: acc.id,
            number: Some(self.order_numbers[i].clone()),
            bill_to: None,
            po_number: Some(s.po.clone()),
            channel: s.channel,
            freight: s.freight.map(|c| Money::from_minor(c, self.usd)),
            placed_at: Some(s.placed_at),
            lines: s
                .lines
                .iter()
                .map(|l| OrderLineInput {
                    product: ProductRef::Id(self.world.products[l.product]),
                    quantity: Qty::new(l.qty),
                    ship_to: acc.receiving[l.ship_to],
                    requested_date: l.requested,
                    po_number: l.po.clone(),
                    cost_centre: l.cost_centre.clone(),
                    project: None,
                })
                .collect(),
        };
        let ctx = &self.actors.system;
        let stage = Stage::new(self.app, at);
        let app = &stage.app;
        let order = app.run(ctx, async || app.plan_place_order(ctx, &input).await).await?;
        Ok(Created::Order(i, order.value.id))
    }

    pub(super) async fn step(&self, ids: &Ids, i: usize, k: usize, at: OffsetDateTime) -> Result<Created> {
        let s = &self.scripts[i];
        let id = ids.order(i)?;
        let ops = &self.actors.ops;
        let stage = Stage::new(self.app, at);
        let app = &stage.app;
        match &s.steps[k].1 {
            Step::Allocate { line, site, qty } => {
                let input = Allocate {
                    line: *line,
                    location: self.world.sites[*site],
                    quantity: Qty::new(*qty),
                };
                app.run(ops, async || app.plan_allocate(ops, id, &input).await).await?;
            }
            Step::Backorder {
                line,
                qty,
                expected,
                reason,
            } => {
                let input = BackorderInput {
                    line: *line,
                    quantity: Qty::new(*qty),
                    expected: *expected,
                    reason: reason.clone(),
                };
                app.run(ops, async || app.plan_backorder(ops, id, &input).await).await?;
            }
            Step::Reschedule { line, expected, reason } => {
                let input = Reschedule {
                    line: *line,
                    expected: *expected,
                    reason: reason.clone(),
                };
                app.run(ops, async || app.plan_reschedule_backorder(ops, id, &input).await)
                    .await?;
            }
            Step::Cancel { line, qty, reason } => {
                let input = CancelInput {
                    line: *line,
                    quantity: Qty::new(*qty),
                    reason: reason.clone(),
                };
                app.run(ops, async || app.plan_cancel(ops, id, &input).await).await?;
            }
            Step::Ship { key, ship } => {
                let carrier = &CARRIERS[ship.carrier];
                let nth = ships_of(s).position(|(k2, _)| k2 == *key).unwrap_or(0) + 1;
                let input = ShipInput {
                    order_id: id,
                    from: self.world.sites[ship.site],
                    to: self.world.accounts[s.account].receiving[ship.to],
                    lines: ship.lines.iter().map(|&(l, q)| (l, Qty::new(q))).collect(),
                    carrier: carrier.name.into(),
                    service: Some(carrier.service.into()),
                    tracking_number: Some(ship.tracking.clone()),
                    tracking_url: Some(format!("{}{}", carrier.url, ship.tracking)),
                    packing_slip: Some(format!("PS-{}-{nth}", self.order_numbers[i])),
                    shipped_at: Some(ship.shipped_at),
                    promised_delivery: Some(ship.promised),
                    estimated_delivery: Some(ship.promised),
                };
                let view = app.run(ops, async || app.plan_ship(ops, &input).await).await?;
                return Ok(Created::Shipment(i, *key, view.doc.shipment.id));
            }
            Step::Scan { key, scan } => {
                let carrier = ships_of(s).find(|(k2, _)| k2 == key).map_or(UPS, |(_, sh)| sh.carrier);
                let input = TrackingInput {
                    shipment: ShipmentRef::Id(ids.shipment(i, *key)?),
                    status: scan.status,
                    occurred_at: scan.at,
                    location: Some(scan.location.into()),
                    description: Some(scan.description.into()),
                    event_id: None,
                    source: CARRIERS[carrier].source.into(),
                    estimated_delivery: scan.estimated,
                    carrier_status: None,
                };
                app.track(&self.actors.system, &input).await?;
            }
            Step::Receive { key, lines } => {
                let sid = ids.shipment(i, *key)?;
                let input = ReceiveInput { lines: lines.clone() };
                let cs = &self.actors.cs;
                app.run(cs, async || app.plan_receive(cs, sid, &input).await).await?;
            }
        }
        Ok(Created::Nothing)
    }

    pub(super) async fn issue(&self, ids: &Ids, j: usize, at: OffsetDateTime) -> Result<Created> {
        let plan = &self.billing.invoices[j];
        let order_id = ids.order(plan.order)?;
        let money = |c: i64| Money::from_minor(c, self.usd);
        let mut lines = Vec::with_capacity(plan.lines.len());
        for l in &plan.lines {
            lines.push(InvoiceLineInput {
                order_id,
                order_line: l.line,
                shipment_id: match l.ship {
                    Some(key) => Some(ids.shipment(plan.order, key)?),
                    None => None,
                },
                quantity: Qty::new(l.qty),
                unit_price: money(l.cents),
                tax_rate_bp: None,
            });
        }
        let input = IssueInvoice {
            account_id: self.world.accounts[self.scripts[plan.order].account].id,
            number: Some(self.invoice_numbers[j].clone()),
            currency: self.usd,
            issued_on: Some(at.date()),
            lines,
            tax: Some(money(plan.tax())),
            freight: money(plan.freight),
            freight_tax_rate_bp: None,
        };
        let ar = &self.actors.ar;
        let stage = Stage::new(self.app, at);
        let app = &stage.app;
        let invoice = app.run(ar, async || app.plan_issue_invoice(ar, &input).await).await?;
        Ok(Created::Invoice(j, invoice.value.id))
    }
}
