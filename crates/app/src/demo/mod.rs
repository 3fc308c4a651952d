//! Deterministic demo data: a distributor with three warehouses and a dropship supplier, a
//! catalogue of facility supplies, five customer accounts with contract prices, ~220 orders in
//! every state an order can be in, and the invoices, credit memos and payments that follow.
//!
//! Everything goes through the normal application commands, so every change has its timeline
//! events. Random choices come from a fixed seed and every business time is derived from the
//! App's clock, so two loads with the same clock give the same names, numbers and states (only
//! the random ids differ).
//!
//! The load runs in two phases:
//! 1. a script of every command with its business time (orders over the last 90 days, their
//!    allocations, backorders, shipments, carrier scans and receipts, then invoices, credit memos
//!    and payments) is drawn from the seeded generator: pure data, no I/O;
//! 2. the commands run in time order, each on an [`App`] over the same store whose clock stands
//!    at the command's business time, so timeline events, receipts, backorder changes and
//!    invoice records carry the time they happened and the event log reads chronologically.
//!    Runs of consecutive commands that touch distinct orders run concurrently, so SQLite's
//!    group commit amortises the disk flushes.
//!
//! Order, invoice and account numbers are taken from the caller's numbering, so orders created
//! afterwards follow on (SO-221, …).

// -- approvals and spend --
mod governance;
// -- reorder and saved lists --
mod lists;
// -- supplier portal and shipments --
mod supplier;

use crate::error::{AppError, Result};
use crate::{
    Allocate, App, BackorderInput, CancelInput, Ctx, FixedClock, InvoiceLineInput, IssueCreditMemo, IssueInvoice,
    NewAccount, NewFulfilmentLocation, NewLocation, NewProduct, OrderLineInput, PlaceOrder, Principal, ProductRef,
    ReceiveInput, ReceivePayment, Reschedule, ShipInput, ShipmentRef, TrackingInput,
};
use aftercart_domain::account::{FulfilmentKind, LocationKind, PaymentTerms};
use aftercart_domain::ids::{AccountId, FulfilmentLocationId, InvoiceId, LocationId, OrderId, ProductId, ShipmentId};
use aftercart_domain::invoice::{PaymentApplication, PaymentMethod};
use aftercart_domain::money::{Currency, Money};
use aftercart_domain::order::{Channel, ReceiptLine};
use aftercart_domain::quantity::Qty;
use aftercart_domain::tracking::TrackingStatus;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use time::{Date, Duration, OffsetDateTime, Time};

/// What [`load`] created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub accounts: usize,
    pub orders: usize,
    pub invoices: usize,
    pub payments: usize,
    pub shipments: usize,
}

/// Loads the demo dataset through the application commands. Does nothing (and returns an
/// all-zero summary) when the store already has orders, so it is safe to call on every start.
/// Password of the demo's sample users (printed by `aftercart demo`; never use it elsewhere).
pub const DEMO_PASSWORD: &str = "northwind-demo-2026";

/// Sample users of the first demo account, to sign in as each role: (email, name, roles).
pub const DEMO_USERS: [(&str, &str, &[crate::CustomerRole]); 4] = [
    (
        "alex@northwind.example",
        "Alex Morgan",
        &[crate::CustomerRole::AccountAdmin],
    ),
    ("bea@northwind.example", "Bea Buyer", &[crate::CustomerRole::Buyer]),
    (
        "ana@northwind.example",
        "Ana Approver",
        &[crate::CustomerRole::Approver],
    ),
    (
        "fin@northwind.example",
        "Frank Finance",
        &[crate::CustomerRole::Finance],
    ),
];

/// A seller staff user (service agent) and a dropship supplier's user, to sign in to the
/// service console and the supplier's view of the portal: (email, name).
pub const DEMO_AGENT: (&str, &str) = ("sam@aftercart-demo.example", "Sam Agent");
pub const DEMO_SUPPLIER: (&str, &str) = ("sue@acme-lighting.example", "Sue Supplier");

/// Users of every customer role for the first account, and a policy that sends its orders over
/// USD 5,000 to an approver, so governance can be tried at once.
async fn people(app: &App, account: AccountId, usd: Currency) -> Result<()> {
    use aftercart_domain::approval::{ApprovalCondition, ApprovalPolicy, ApprovalRule, Approver};
    let ctx = Ctx::system();
    for (email, name, roles) in DEMO_USERS {
        let new = crate::NewUser {
            email: email.into(),
            name: name.into(),
            kind: crate::UserKind::Customer {
                account_id: account,
                roles: roles.to_vec(),
                scope: crate::LocationScope::All,
            },
        };
        let invitation = app.run(&ctx, || app.plan_invite_user(&ctx, &new)).await?;
        // The system inviting always holds the token.
        let token = invitation.token.as_deref().unwrap_or_default();
        app.accept_invitation(token, DEMO_PASSWORD).await?;
    }
    let supplier = app
        .fulfilment_locations(&ctx)
        .await?
        .into_iter()
        .find(|l| l.kind == FulfilmentKind::DropshipSupplier);
    let mut others = vec![(
        DEMO_AGENT,
        crate::UserKind::Staff {
            role: crate::StaffRole::Agent,
        },
    )];
    if let Some(l) = supplier {
        others.push((
            DEMO_SUPPLIER,
            crate::UserKind::Supplier {
                fulfilment_location_id: l.id,
            },
        ));
    }
    for ((email, name), kind) in others {
        let new = crate::NewUser {
            email: email.into(),
            name: name.into(),
            kind,
        };
        let invitation = app.run(&ctx, || app.plan_invite_user(&ctx, &new)).await?;
        let token = invitation.token.as_deref().unwrap_or_default();
        app.accept_invitation(token, DEMO_PASSWORD).await?;
    }
    let policy = ApprovalPolicy {
        rules: vec![ApprovalRule {
            id: aftercart_domain::ids::ApprovalRuleId(uuid::Uuid::now_v7()),
            name: "Orders over USD 5,000".into(),
            condition: ApprovalCondition::OrderTotalOver(Money::from_minor(500_000, usd)),
            levels: vec![Approver::Role],
            active: true,
        }],
        remind_after_hours: 24,
        escalate_after_hours: 72,
    };
    app.run(&ctx, || app.plan_set_approval_policy(&ctx, account, &policy))
        .await?;
    Ok(())
}

pub async fn load(app: &App) -> Result<DemoSummary> {
    if app.store.count("order").await? > 0 {
        return Ok(DemoSummary::default());
    }
    let now = app.clock.now();
    let usd = Currency::parse("USD", "currency")?;
    let actors = Actors {
        system: Ctx::system(),
        ops: Ctx::new(Principal::staff("demo-ops", "Dana Ops")),
        cs: Ctx::new(Principal::staff("demo-cs", "Sam Rivera")),
        ar: Ctx::new(Principal::staff("demo-ar", "Priya Shah")),
    };
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(42),
        now,
        today: now.date(),
        contracts: Vec::new(),
    };
    let world = setup(app, &actors, &mut g, usd).await?;
    let scripts = g.orders();
    let billing = g.billing(&scripts);
    // Numbers come from the caller's numbering (so its next order follows on), in time order.
    let mut order_numbers = Vec::with_capacity(scripts.len());
    for _ in &scripts {
        order_numbers.push(format!("SO-{}", app.next_number("order").await?));
    }
    let mut by_time: Vec<usize> = (0..billing.invoices.len()).collect();
    by_time.sort_by_key(|&j| billing.invoices[j].at);
    let mut invoice_numbers = vec![String::new(); billing.invoices.len()];
    for j in by_time {
        invoice_numbers[j] = format!("INV-{}", app.next_number("invoice").await?);
    }
    let demo = Demo {
        app,
        actors,
        world,
        scripts,
        billing,
        order_numbers,
        invoice_numbers,
        memo_stage: Stage::new(app, now),
        usd,
    };
    demo.run_all().await?;
    people(app, demo.world.accounts[0].id, usd).await?;
    // -- supplier portal and shipments --
    supplier::supplier_work(app, demo.world.accounts[0].id).await?;
    // -- approvals and spend --
    governance::load(app, demo.world.accounts[0].id, usd).await?;
    // -- reorder and saved lists --
    lists::saved_lists(app, demo.world.accounts[0].id, usd).await?;
    let count =
        async |kind: &'static str| -> Result<usize> { Ok(usize::try_from(app.store.count(kind).await?).unwrap_or(0)) };
    Ok(DemoSummary {
        accounts: count("account").await?,
        orders: count("order").await?,
        invoices: count("invoice").await?,
        payments: count("payment").await?,
        shipments: count("shipment").await?,
    })
}

// ---------------------------------------------------------------------------------------------
// The catalogue, the distributor's sites and the customers.
// ---------------------------------------------------------------------------------------------

const LIGHTING: &str = "Lighting";
const PPE: &str = "Safety & PPE";
const JANITORIAL: &str = "Janitorial";
const OFFICE: &str = "Office Supplies";
const FACILITY: &str = "Facility & Maintenance";

struct ProductSpec {
    sku: &'static str,
    name: &'static str,
    category: &'static str,
    cents: i64,
    /// Usual quantity range of one order line.
    qty: (u32, u32),
    /// Shipped by the dropship supplier, never from the distributor's warehouses.
    dropship: bool,
    setup_guide: Option<&'static str>,
    care: Option<&'static str>,
}

const fn item(
    sku: &'static str,
    name: &'static str,
    category: &'static str,
    cents: i64,
    qty: (u32, u32),
) -> ProductSpec {
    ProductSpec {
        sku,
        name,
        category,
        cents,
        qty,
        dropship: false,
        setup_guide: None,
        care: None,
    }
}

impl ProductSpec {
    const fn dropship(mut self) -> Self {
        self.dropship = true;
        self
    }
    const fn guide(mut self, text: &'static str) -> Self {
        self.setup_guide = Some(text);
        self
    }
    const fn care(mut self, text: &'static str) -> Self {
        self.care = Some(text);
        self
    }
}

const PRODUCTS: &[ProductSpec] = &[
    item("LED-T8-4FT", "LED Tube T8 4 ft 15W, 4000K (case of 25)", LIGHTING, 11250, (1, 8)).guide(
        "Ballast bypass: disconnect the ballast, then wire line and neutral to opposite ends of the tombstones (diagram on the carton).",
    ),
    item("LED-A19-9W", "LED Bulb A19 9W Soft White (24 pack)", LIGHTING, 4680, (1, 10)),
    item("LED-PANEL-2X4", "LED Flat Panel 2x4 ft 40W, 0-10V Dimming", LIGHTING, 8900, (2, 16)).guide(
        "Lay into a standard T-bar grid; connect the 0-10V dimming leads (purple/grey) before closing the driver cover.",
    ),
    item("LED-EXIT-BB", "LED Exit Sign with Battery Backup", LIGHTING, 3875, (1, 6))
        .care("Press test monthly; run a 90-minute battery test once a year."),
    item("LED-HIGHBAY-150", "LED UFO High Bay 150W, 21,000 lm", LIGHTING, 16400, (2, 20))
        .dropship()
        .guide("Hang from the supplied hook or bracket with a safety cable; 120-277V input."),
    item("LED-WALLPACK-60", "LED Wall Pack 60W with Dusk-to-Dawn Photocell", LIGHTING, 11900, (1, 12))
        .dropship(),
    item("LED-TROFFER-2X2", "LED Troffer Retrofit Kit 2x2 ft 30W", LIGHTING, 7450, (2, 20)).dropship(),
    item("GLV-NIT-M", "Nitrile Exam Gloves, Powder-Free, Medium (box of 100)", PPE, 1195, (5, 60)),
    item("GLV-NIT-L", "Nitrile Exam Gloves, Powder-Free, Large (box of 100)", PPE, 1195, (5, 60)),
    item("GLV-NIT-XL", "Nitrile Exam Gloves, Powder-Free, X-Large (box of 100)", PPE, 1245, (2, 30)),
    item("GLS-SAFE-CLR", "Safety Glasses, Clear Anti-Fog Lens (12 pack)", PPE, 2940, (1, 12)),
    item("MSK-N95", "N95 Respirator, NIOSH Approved (box of 20)", PPE, 2490, (2, 40)),
    item("VST-HIVIS-LXL", "Hi-Vis Safety Vest, ANSI Class 2, L/XL", PPE, 875, (5, 50)),
    item("EAR-FOAM-200", "Foam Ear Plugs, NRR 32 (200 pairs)", PPE, 2750, (1, 10)),
    item("TWL-MULTI-4000", "Multifold Paper Towels, White (16 x 250 sheets)", JANITORIAL, 3460, (2, 40)),
    item("TWL-ROLL-8IN", "Hardwound Roll Towels 8 in (6 x 800 ft)", JANITORIAL, 5220, (2, 30)),
    item("TP-2PLY-96", "Toilet Paper, 2-Ply Standard Roll (96 rolls)", JANITORIAL, 6890, (2, 30)),
    item("SOAP-FOAM-1L", "Foaming Hand Soap Refill 1 L (case of 6)", JANITORIAL, 4200, (1, 20)),
    item("SAN-GEL-1GAL", "Hand Sanitizer Gel, 70% Alcohol, 1 gal", JANITORIAL, 2150, (2, 24)),
    item("WIPE-DISINF-800", "Disinfecting Wipes, 800-count Bucket", JANITORIAL, 3995, (1, 16)),
    item("BAG-33GAL-250", "Trash Bags 33 gal, 1.1 mil, Black (case of 250)", JANITORIAL, 3680, (2, 30)),
    item("CLN-FLOOR-4GAL", "Neutral Floor Cleaner Concentrate, 1 gal (case of 4)", JANITORIAL, 4760, (1, 10))
        .care("Dilute 1:256 (1/2 oz per gallon of cool water); never mix with other chemicals."),
    item("PPR-LTR-10R", "Copy Paper, Letter, 20 lb, 92 Bright (10 reams)", OFFICE, 4990, (2, 40)),
    item("TNR-HY-BLK", "Toner Cartridge, High Yield, Black", OFFICE, 12900, (1, 8)),
    item("PEN-BP-BLK-60", "Ballpoint Pens, Medium Point, Black (60 pack)", OFFICE, 1425, (1, 12)),
    item("FLD-LTR-100", "File Folders, Letter, 1/3 Cut (box of 100)", OFFICE, 1840, (1, 15)),
    item("LBL-4X6-500", "Thermal Shipping Labels 4x6 in (roll of 500)", OFFICE, 2290, (1, 20)),
    item("BAT-AA-48", "AA Alkaline Batteries (48 pack)", OFFICE, 3120, (1, 10)),
    item("FLT-MERV11-20X25", "Pleated Air Filter MERV 11, 20x25x1 in (12 pack)", FACILITY, 8640, (1, 12))
        .care("Replace every 90 days, or sooner when the pressure drop exceeds 0.5 in. w.c."),
    item("MAT-ENTR-3X5", "Entrance Mat 3x5 ft, Indoor/Outdoor, Charcoal", FACILITY, 6400, (1, 8))
        .care("Vacuum daily; hose off and air-dry monthly; do not machine wash."),
    item("DSP-TWL-MULTI", "Multifold Towel Dispenser, Wall Mount, Black", FACILITY, 3250, (1, 10)).guide(
        "Mount with the top 48 in above the floor (ADA reach range); use the supplied anchors in drywall.",
    ),
    item("DSP-SOAP-1L", "Foam Soap Dispenser 1 L, Wall Mount", FACILITY, 2780, (1, 12))
        .guide("Mount over the sink with the two screws supplied; push the 1 L refill in until it clicks."),
    item("KIT-SPILL-20", "Universal Spill Kit, 20 gal Drum", FACILITY, 14800, (1, 4)).guide(
        "Place within 50 ft of chemical storage; inspect monthly and after each use; restock absorbents.",
    ),
    item("KIT-FA-50", "First Aid Kit, 50-Person, ANSI Class A", FACILITY, 7450, (1, 6))
        .care("Check monthly; replace used and expired items (contents list inside the lid)."),
];

const UPS: usize = 0;
const FEDEX: usize = 1;
const ESTES: usize = 2;

struct CarrierSpec {
    name: &'static str,
    service: &'static str,
    /// Who sends the tracking events (shown on the timeline).
    source: &'static str,
    parcel: bool,
    url: &'static str,
}

const CARRIERS: [CarrierSpec; 3] = [
    CarrierSpec {
        name: "UPS",
        service: "Ground",
        source: "UPS",
        parcel: true,
        url: "https://www.ups.com/track?tracknum=",
    },
    CarrierSpec {
        name: "FedEx",
        service: "Ground",
        source: "FedEx",
        parcel: true,
        url: "https://www.fedex.com/fedextrack/?trknbr=",
    },
    CarrierSpec {
        name: "Estes Express",
        service: "LTL Standard",
        source: "Estes",
        parcel: false,
        url: "https://www.estes-express.com/myestes/shipment-tracking/?query=",
    },
];

struct SiteSpec {
    code: &'static str,
    name: &'static str,
    kind: FulfilmentKind,
    city: &'static str,
    carrier: usize,
    hubs: &'static [&'static str],
}

const DAL: usize = 0;
const RNO: usize = 1;
const CMH: usize = 2;
const ACME: usize = 3;

const SITES: [SiteSpec; 4] = [
    SiteSpec {
        code: "DAL",
        name: "Dallas DC",
        kind: FulfilmentKind::Warehouse,
        city: "Dallas, TX",
        carrier: UPS,
        hubs: &["Mesquite, TX", "Fort Worth, TX", "Memphis, TN", "Louisville, KY"],
    },
    SiteSpec {
        code: "RNO",
        name: "Reno DC",
        kind: FulfilmentKind::Warehouse,
        city: "Reno, NV",
        carrier: FEDEX,
        hubs: &["Sparks, NV", "Sacramento, CA", "Salt Lake City, UT", "Portland, OR"],
    },
    SiteSpec {
        code: "CMH",
        name: "Columbus DC",
        kind: FulfilmentKind::Warehouse,
        city: "Columbus, OH",
        carrier: UPS,
        hubs: &["Grove City, OH", "Indianapolis, IN", "Louisville, KY", "Memphis, TN"],
    },
    SiteSpec {
        code: "ACME",
        name: "Acme Lighting (dropship)",
        kind: FulfilmentKind::DropshipSupplier,
        city: "Ontario, CA",
        carrier: ESTES,
        hubs: &["Fontana, CA", "Phoenix, AZ", "Memphis, TN", "Sacramento, CA"],
    },
];

struct LocSpec {
    kind: LocationKind,
    name: &'static str,
    address: &'static str,
    city: &'static str,
    postcode: &'static str,
}

const fn loc(
    kind: LocationKind,
    name: &'static str,
    address: &'static str,
    city: &'static str,
    postcode: &'static str,
) -> LocSpec {
    LocSpec {
        kind,
        name,
        address,
        city,
        postcode,
    }
}

struct AccountSpec {
    name: &'static str,
    net_days: u16,
    credit_dollars: i64,
    locations: &'static [LocSpec],
    /// Categories the customer mostly buys.
    prefer: &'static [&'static str],
    primary: usize,
    /// Warehouse that covers shortfalls of the primary one (split shipments).
    secondary: usize,
    po_prefix: &'static str,
    /// Per receiving location, when each site raises its own PO per line.
    line_po_codes: &'static [&'static str],
    channels: &'static [Channel],
    cost_centres: &'static [&'static str],
    /// Share of the orders, in percent.
    weight: u32,
    freight_share: f64,
    method: PaymentMethod,
}

impl AccountSpec {
    fn receiving(&self) -> Vec<&LocSpec> {
        self.locations.iter().filter(|l| l.kind.can_receive()).collect()
    }
}

use LocationKind::{BillTo, Both, ShipTo};

const ACCOUNTS: [AccountSpec; 5] = [
    AccountSpec {
        name: "Northwind Clinics",
        net_days: 30,
        credit_dollars: 250_000,
        locations: &[
            loc(BillTo, "Accounts Payable", "PO Box 14820", "Austin, TX", "78761"),
            loc(
                ShipTo,
                "Austin Central Clinic",
                "1200 Red River St",
                "Austin, TX",
                "78701",
            ),
            loc(
                ShipTo,
                "Round Rock Clinic",
                "2400 Round Rock Ave",
                "Round Rock, TX",
                "78681",
            ),
            loc(
                ShipTo,
                "Cedar Park Clinic",
                "1401 Medical Pkwy",
                "Cedar Park, TX",
                "78613",
            ),
            loc(
                ShipTo,
                "Georgetown Clinic",
                "3201 S Austin Ave",
                "Georgetown, TX",
                "78626",
            ),
            loc(
                ShipTo,
                "San Marcos Clinic",
                "1301 Wonder World Dr",
                "San Marcos, TX",
                "78666",
            ),
            loc(
                ShipTo,
                "Pflugerville Urgent Care",
                "15803 Windermere Dr",
                "Pflugerville, TX",
                "78660",
            ),
        ],
        prefer: &[PPE, JANITORIAL, OFFICE],
        primary: DAL,
        secondary: CMH,
        po_prefix: "NWC-",
        line_po_codes: &[],
        channels: &[Channel::Punchout, Channel::Punchout, Channel::Portal],
        cost_centres: &[
            "CC-4100 Clinical Supplies",
            "CC-4200 Facilities",
            "CC-4300 Environmental Services",
            "CC-4400 Front Office",
        ],
        weight: 34,
        freight_share: 0.1,
        method: PaymentMethod::Ach,
    },
    AccountSpec {
        name: "Cascade Property Management",
        net_days: 45,
        credit_dollars: 150_000,
        locations: &[
            loc(
                BillTo,
                "Head Office",
                "1000 2nd Ave, Suite 2100",
                "Seattle, WA",
                "98104",
            ),
            loc(ShipTo, "Pioneer Square Tower", "601 1st Ave S", "Seattle, WA", "98104"),
            loc(ShipTo, "Bellevue Commons", "10500 NE 8th St", "Bellevue, WA", "98004"),
            loc(ShipTo, "Tacoma Harbor Plaza", "1101 Dock St", "Tacoma, WA", "98402"),
        ],
        prefer: &[LIGHTING, JANITORIAL, FACILITY],
        primary: RNO,
        secondary: DAL,
        po_prefix: "CPM-",
        line_po_codes: &[],
        channels: &[Channel::Portal],
        cost_centres: &["PST-OPS", "BVC-OPS", "THP-OPS", "CORP-MAINT"],
        weight: 22,
        freight_share: 0.3,
        method: PaymentMethod::Cheque,
    },
    AccountSpec {
        name: "Great Lakes Fabrication",
        net_days: 15,
        credit_dollars: 80_000,
        locations: &[
            loc(Both, "Toledo Plant", "3300 Matzinger Rd", "Toledo, OH", "43612"),
            loc(
                ShipTo,
                "Findlay Distribution Center",
                "2150 Production Dr",
                "Findlay, OH",
                "45840",
            ),
        ],
        prefer: &[PPE, FACILITY, LIGHTING],
        primary: CMH,
        secondary: DAL,
        po_prefix: "4500",
        line_po_codes: &[],
        channels: &[Channel::Edi, Channel::Edi, Channel::Erp],
        cost_centres: &["4010 Production", "4020 Maintenance", "4030 EHS"],
        weight: 16,
        freight_share: 0.45,
        method: PaymentMethod::Wire,
    },
    AccountSpec {
        name: "Bluebonnet Independent School District",
        net_days: 30,
        credit_dollars: 120_000,
        locations: &[
            loc(BillTo, "Business Office", "500 N Main St", "Fort Worth, TX", "76164"),
            loc(
                ShipTo,
                "Bluebonnet High School",
                "7001 Trail Lake Dr",
                "Fort Worth, TX",
                "76133",
            ),
            loc(
                ShipTo,
                "Creekside Middle School",
                "4600 Bryant Irvin Rd",
                "Fort Worth, TX",
                "76132",
            ),
            loc(
                ShipTo,
                "Meadowbrook Elementary",
                "2201 Meadowbrook Dr",
                "Fort Worth, TX",
                "76103",
            ),
        ],
        prefer: &[JANITORIAL, OFFICE, LIGHTING],
        primary: DAL,
        secondary: CMH,
        po_prefix: "BISD-",
        line_po_codes: &["BHS", "CMS", "MES"],
        channels: &[Channel::Portal, Channel::Api],
        cost_centres: &["199-51 Custodial", "199-11 Instruction", "199-51-6399 Maintenance"],
        weight: 15,
        freight_share: 0.1,
        method: PaymentMethod::Ach,
    },
    AccountSpec {
        name: "Harbor Hospitality Group",
        net_days: 30,
        credit_dollars: 60_000,
        locations: &[
            loc(BillTo, "Finance", "750 B St, Suite 1500", "San Diego, CA", "92101"),
            loc(
                ShipTo,
                "Harbor Inn Downtown",
                "1355 N Harbor Dr",
                "San Diego, CA",
                "92101",
            ),
            loc(
                ShipTo,
                "Harbor Inn Mission Bay",
                "2828 Quivira Rd",
                "San Diego, CA",
                "92109",
            ),
        ],
        prefer: &[JANITORIAL, FACILITY, OFFICE],
        primary: RNO,
        secondary: DAL,
        po_prefix: "HHG-",
        line_po_codes: &[],
        channels: &[Channel::Api, Channel::Portal],
        cost_centres: &["HK Housekeeping", "ENG Engineering", "FO Front Office"],
        weight: 13,
        freight_share: 0.2,
        method: PaymentMethod::Card,
    },
];

/// The account whose remittances pay several invoices at once.
const BATCH_PAYER: usize = 0;

// ---------------------------------------------------------------------------------------------
// The script: what happens to every order, drawn up front from the seeded generator.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
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
const SPECIALS: &[(Plan, i64, i64, usize)] = &[
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

const MINUTES_PER_DAY: i64 = 24 * 60;

/// How long ago orders were placed, in minutes: (from, to, how many). 220 orders over 90 days,
/// recent days denser so that every in-flight state is represented.
const AGES: [(i64, i64, usize); 5] = [
    (20, MINUTES_PER_DAY, 12),
    (MINUTES_PER_DAY, 3 * MINUTES_PER_DAY, 20),
    (3 * MINUTES_PER_DAY, 7 * MINUTES_PER_DAY, 25),
    (7 * MINUTES_PER_DAY, 15 * MINUTES_PER_DAY, 35),
    (15 * MINUTES_PER_DAY, 90 * MINUTES_PER_DAY, 128),
];

/// Relative frequency of 1..=10 lines per order.
const LINE_WEIGHTS: [u32; 10] = [10, 18, 20, 16, 12, 8, 6, 4, 3, 3];

struct LineScript {
    product: usize,
    qty: u32,
    /// The price the order will carry (contract or list), in cents.
    cents: i64,
    /// Index into the account's receiving locations.
    ship_to: usize,
    requested: Option<Date>,
    po: Option<String>,
    cost_centre: Option<String>,
}

struct Scan {
    status: TrackingStatus,
    at: OffsetDateTime,
    location: &'static str,
    description: &'static str,
    estimated: Option<Date>,
}

struct ShipScript {
    site: usize,
    to: usize,
    lines: Vec<(u32, u32)>,
    carrier: usize,
    tracking: String,
    shipped_at: OffsetDateTime,
    promised: Date,
    scans: Vec<Scan>,
    delivered_at: Option<OffsetDateTime>,
    receipt: Option<Vec<ReceiptLine>>,
}

enum Step {
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

struct OrderScript {
    account: usize,
    placed_at: OffsetDateTime,
    po: String,
    channel: Channel,
    freight: Option<i64>,
    lines: Vec<LineScript>,
    plan: Plan,
    /// What happens after placement and when, in time order.
    steps: Vec<(OffsetDateTime, Step)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
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
enum Issue {
    None,
    Short,
    Damaged,
}

struct ShipPlan {
    site: usize,
    to: usize,
    lines: Vec<(u32, u32)>,
    fate: Fate,
    base_ship: OffsetDateTime,
    placed_at: OffsetDateTime,
    issue: Issue,
    dest: &'static str,
}

struct Route {
    origin: &'static str,
    hub: &'static str,
    dest: &'static str,
}

fn line_no(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// The seeded generator and the clock reading everything is relative to.
struct Gen {
    rng: ChaCha8Rng,
    now: OffsetDateTime,
    today: Date,
    /// Per account: (product index, unit price in cents).
    contracts: Vec<Vec<(usize, i64)>>,
}

impl Gen {
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        self.rng.random_range(lo..=hi)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn index(&mut self, len: usize) -> usize {
        self.rng.random_range(0..len)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    fn weighted(&mut self, weights: &[u32]) -> usize {
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

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.rng.random_range(0..10u8)))
            .collect()
    }

    fn tracking_number(&mut self, carrier: usize) -> String {
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
    fn business_time(&mut self, date: Date) -> OffsetDateTime {
        let h = u8::try_from(self.range(10, 16)).unwrap_or(12);
        let m = u8::try_from(self.range(0, 59)).unwrap_or(0);
        date.with_time(Time::from_hms(h, m, 0).unwrap_or(Time::MIDNIGHT))
            .assume_utc()
    }

    /// Draws the contract prices of every account (kept for pricing the order lines).
    fn draw_contracts(&mut self) {
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
    fn unit_cents(&self, account: usize, product: usize) -> i64 {
        self.contracts[account]
            .iter()
            .find(|c| c.0 == product)
            .map_or(PRODUCTS[product].cents, |c| c.1)
    }

    fn orders(&mut self) -> Vec<OrderScript> {
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

    fn default_plan(&mut self, age_minutes: i64) -> Plan {
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

    fn lines(&mut self, account: usize, placed_at: OffsetDateTime, plan: Plan, po_number: i64) -> Vec<LineScript> {
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

    fn steps(&mut self, s: &OrderScript, age_minutes: i64) -> Vec<(OffsetDateTime, Step)> {
        let mut steps = self.unsorted_steps(s, age_minutes);
        for step in &mut steps {
            step.0 = step.0.min(self.now);
        }
        steps.sort_by_key(|step| step.0);
        steps
    }

    /// Minutes after placement, as a time.
    fn after(&mut self, placed_at: OffsetDateTime, lo: i64, hi: i64) -> OffsetDateTime {
        placed_at + Duration::minutes(self.range(lo, hi))
    }

    fn unsorted_steps(&mut self, s: &OrderScript, age_minutes: i64) -> Vec<(OffsetDateTime, Step)> {
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

    fn shipment(&mut self, p: ShipPlan) -> Option<ShipScript> {
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

    fn receipt(&mut self, lines: &[(u32, u32)], issue: Issue) -> Vec<ReceiptLine> {
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
fn journey(ship: OffsetDateTime, end: OffsetDateTime, cutoff: OffsetDateTime, r: &Route) -> Vec<Scan> {
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

// ---------------------------------------------------------------------------------------------
// Billing: invoices (clean ones and each kind of mismatch), credit memos, payments — scripted
// from what the orders' scripts ship and receive.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
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
struct BillLine {
    line: u32,
    /// Key of the order's shipment the line bills, if any.
    ship: Option<usize>,
    qty: u32,
    cents: i64,
}

struct InvoicePlan {
    order: usize,
    at: OffsetDateTime,
    lines: Vec<BillLine>,
    freight: i64,
    /// Clean invoices get paid; disputed ones wait.
    payable: bool,
}

impl InvoicePlan {
    fn subtotal(&self) -> i64 {
        self.lines.iter().map(|l| l.cents * i64::from(l.qty)).sum()
    }
    /// Sales tax, 8%.
    fn tax(&self) -> i64 {
        (self.subtotal() * 8 + 50) / 100
    }
    fn total(&self) -> i64 {
        self.subtotal() + self.tax() + self.freight
    }
}

struct MemoPlan {
    invoice: usize,
    at: OffsetDateTime,
    amount: i64,
    reason: String,
}

struct PaymentPlan {
    account: usize,
    at: OffsetDateTime,
    amount: i64,
    reference: String,
    /// (invoice plan index, amount in cents).
    applications: Vec<(usize, i64)>,
}

#[derive(Default)]
struct Billing {
    invoices: Vec<InvoicePlan>,
    memos: Vec<MemoPlan>,
    payments: Vec<PaymentPlan>,
}

fn ships_of(s: &OrderScript) -> impl Iterator<Item = (usize, &ShipScript)> {
    s.steps.iter().filter_map(|(_, step)| match step {
        Step::Ship { key, ship } => Some((*key, ship.as_ref())),
        _ => None,
    })
}

fn choose(g: &mut Gen, n: usize, used: &mut Vec<usize>, pred: impl Fn(usize) -> bool) -> Option<usize> {
    let candidates: Vec<usize> = (0..n).filter(|i| !used.contains(i) && pred(*i)).collect();
    if candidates.is_empty() {
        return None;
    }
    let i = g.pick(&candidates);
    used.push(i);
    Some(i)
}

fn ymd(d: Date) -> String {
    format!("{}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

fn reference(method: PaymentMethod, n: usize, at: OffsetDateTime) -> String {
    match method {
        PaymentMethod::Ach => format!("ACH {}-{:04}", ymd(at.date()), 3100 + n),
        PaymentMethod::Cheque => format!("Cheque #{}", 20417 + n),
        PaymentMethod::Wire => format!("Fedwire IMAD {}QMGFT{:06}", ymd(at.date()), 7310 + n * 37),
        PaymentMethod::Card => format!("Visa ending 4417, auth {:06}", (n * 7919 + 104_729) % 1_000_000),
    }
}

/// `d` at `hour`:00 UTC.
fn at_hour(d: Date, hour: u8) -> OffsetDateTime {
    d.with_time(Time::from_hms(hour, 0, 0).unwrap_or(Time::MIDNIGHT))
        .assume_utc()
}

impl Gen {
    fn billing(&mut self, scripts: &[OrderScript]) -> Billing {
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
fn remittance(batch: &mut Vec<(usize, i64, OffsetDateTime)>, n: usize) -> PaymentPlan {
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

// ---------------------------------------------------------------------------------------------
// Running the script through the application.
// ---------------------------------------------------------------------------------------------

struct Actors {
    system: Ctx,
    /// Warehouse and customer-service operations.
    ops: Ctx,
    /// Records what customers report on arrival.
    cs: Ctx,
    /// Accounts receivable: invoices, credit memos, payments.
    ar: Ctx,
}

struct World {
    sites: Vec<FulfilmentLocationId>,
    products: Vec<ProductId>,
    accounts: Vec<AccountWorld>,
}

struct AccountWorld {
    id: AccountId,
    receiving: Vec<LocationId>,
}

/// The application over the same store with a clock of its own, set to the business time of
/// each command before it runs, so timeline events, backorder changes, receipts and invoice
/// records carry the time they happened rather than the time of the load.
struct Stage {
    app: App,
    clock: Arc<FixedClock>,
}

impl Stage {
    fn new(app: &App, at: OffsetDateTime) -> Stage {
        let clock = Arc::new(FixedClock::new(at));
        Stage {
            app: App::new(app.store.clone(), clock.clone()),
            clock,
        }
    }

    fn at(&self, t: OffsetDateTime) -> &App {
        self.clock.set(t);
        &self.app
    }
}

/// Polls futures concurrently on the current task; outputs in input order.
async fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
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
async fn setup(app: &App, a: &Actors, g: &mut Gen, usd: Currency) -> Result<World> {
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
enum Task {
    Place(usize),
    /// Step `1` of order `0`.
    Step(usize, usize),
    Issue(usize),
    Memo(usize),
    Pay(usize),
}

/// Credit memos take their numbers from one numbering, so they never run side by side.
const MEMO_KEY: usize = usize::MAX;

/// At most this many commands run concurrently...
const WINDOW: usize = 64;
/// ...out of this many next ones looked at.
const LOOKAHEAD: usize = 256;

/// What a command created that later commands refer to.
enum Created {
    Nothing,
    Order(usize, OrderId),
    Shipment(usize, usize, ShipmentId),
    Invoice(usize, InvoiceId),
}

#[derive(Default)]
struct Ids {
    orders: Vec<Option<OrderId>>,
    /// Per order: (shipment key, id).
    shipments: Vec<Vec<(usize, ShipmentId)>>,
    invoices: Vec<Option<InvoiceId>>,
}

impl Ids {
    fn order(&self, i: usize) -> Result<OrderId> {
        self.orders[i].ok_or_else(|| AppError::not_found("order"))
    }
    fn shipment(&self, order: usize, key: usize) -> Result<ShipmentId> {
        self.shipments[order]
            .iter()
            .find(|s| s.0 == key)
            .map(|s| s.1)
            .ok_or_else(|| AppError::not_found("shipment"))
    }
    fn invoice(&self, j: usize) -> Result<InvoiceId> {
        self.invoices[j].ok_or_else(|| AppError::not_found("invoice"))
    }
}

struct Demo<'a> {
    app: &'a App,
    actors: Actors,
    world: World,
    scripts: Vec<OrderScript>,
    billing: Billing,
    order_numbers: Vec<String>,
    invoice_numbers: Vec<String>,
    /// Credit memos are numbered by this app's numbering, in time order.
    memo_stage: Stage,
    usd: Currency,
}

impl Demo<'_> {
    fn when(&self, task: Task) -> OffsetDateTime {
        match task {
            Task::Place(i) => self.scripts[i].placed_at,
            Task::Step(i, k) => self.scripts[i].steps[k].0,
            Task::Issue(j) => self.billing.invoices[j].at,
            Task::Memo(m) => self.billing.memos[m].at,
            Task::Pay(p) => self.billing.payments[p].at,
        }
    }

    fn account_of(&self, task: Task) -> usize {
        let invoices = &self.billing.invoices;
        match task {
            Task::Place(i) | Task::Step(i, _) => self.scripts[i].account,
            Task::Issue(j) => self.scripts[invoices[j].order].account,
            Task::Memo(m) => self.scripts[invoices[self.billing.memos[m].invoice].order].account,
            Task::Pay(p) => self.billing.payments[p].account,
        }
    }

    /// The orders (and numberings) a command touches: commands sharing a key run in time order.
    fn keys(&self, task: Task) -> Vec<usize> {
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
    async fn run_all(&self) -> Result<()> {
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
                if matches!(t, Task::Memo(_)) {
                    blocked[account] = true;
                }
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
    async fn run(&self, ids: &Ids, task: Task) -> Result<Created> {
        let mut attempt = 0;
        loop {
            match self.run_once(ids, task).await {
                Err(AppError::Store(e)) if e.0.contains("locked") && attempt < 100 => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
                r => return r,
            }
        }
    }

    async fn run_once(&self, ids: &Ids, task: Task) -> Result<Created> {
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

    async fn place(&self, i: usize, at: OffsetDateTime) -> Result<Created> {
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
                })
                .collect(),
        };
        let ctx = &self.actors.system;
        let stage = Stage::new(self.app, at);
        let app = &stage.app;
        let order = app.run(ctx, async || app.plan_place_order(ctx, &input).await).await?;
        Ok(Created::Order(i, order.value.id))
    }

    async fn step(&self, ids: &Ids, i: usize, k: usize, at: OffsetDateTime) -> Result<Created> {
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

    async fn issue(&self, ids: &Ids, j: usize, at: OffsetDateTime) -> Result<Created> {
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
            });
        }
        let input = IssueInvoice {
            account_id: self.world.accounts[self.scripts[plan.order].account].id,
            number: Some(self.invoice_numbers[j].clone()),
            currency: self.usd,
            issued_on: Some(at.date()),
            lines,
            tax: money(plan.tax()),
            freight: money(plan.freight),
        };
        let ar = &self.actors.ar;
        let stage = Stage::new(self.app, at);
        let app = &stage.app;
        let invoice = app.run(ar, async || app.plan_issue_invoice(ar, &input).await).await?;
        Ok(Created::Invoice(j, invoice.value.id))
    }
}
