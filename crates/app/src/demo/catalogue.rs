//! The demo's world as data: the catalogue, the carriers, the distributor's sites and the
//! customer accounts with their locations and contract prices.

use super::*;

// ---------------------------------------------------------------------------------------------
// The catalogue, the distributor's sites and the customers.
// ---------------------------------------------------------------------------------------------

pub(super) const LIGHTING: &str = "Lighting";
pub(super) const PPE: &str = "Safety & PPE";
pub(super) const JANITORIAL: &str = "Janitorial";
pub(super) const OFFICE: &str = "Office Supplies";
pub(super) const FACILITY: &str = "Facility & Maintenance";

pub(super) struct ProductSpec {
    pub(super) sku: &'static str,
    pub(super) name: &'static str,
    pub(super) category: &'static str,
    pub(super) cents: i64,
    /// Usual quantity range of one order line.
    pub(super) qty: (u32, u32),
    /// Shipped by the dropship supplier, never from the distributor's warehouses.
    pub(super) dropship: bool,
    pub(super) setup_guide: Option<&'static str>,
    pub(super) care: Option<&'static str>,
}

pub(super) const fn item(
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

pub(super) const PRODUCTS: &[ProductSpec] = &[
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

pub(super) const UPS: usize = 0;
pub(super) const FEDEX: usize = 1;
pub(super) const ESTES: usize = 2;

pub(super) struct CarrierSpec {
    pub(super) name: &'static str,
    pub(super) service: &'static str,
    /// Who sends the tracking events (shown on the timeline).
    pub(super) source: &'static str,
    pub(super) parcel: bool,
    pub(super) url: &'static str,
}

pub(super) const CARRIERS: [CarrierSpec; 3] = [
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

pub(super) struct SiteSpec {
    pub(super) code: &'static str,
    pub(super) name: &'static str,
    pub(super) kind: FulfilmentKind,
    pub(super) city: &'static str,
    pub(super) carrier: usize,
    pub(super) hubs: &'static [&'static str],
}

pub(super) const DAL: usize = 0;
pub(super) const RNO: usize = 1;
pub(super) const CMH: usize = 2;
pub(super) const ACME: usize = 3;

pub(super) const SITES: [SiteSpec; 4] = [
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

pub(super) struct LocSpec {
    pub(super) kind: LocationKind,
    pub(super) name: &'static str,
    pub(super) address: &'static str,
    pub(super) city: &'static str,
    pub(super) postcode: &'static str,
}

pub(super) const fn loc(
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

pub(super) struct AccountSpec {
    pub(super) name: &'static str,
    pub(super) net_days: u16,
    pub(super) credit_dollars: i64,
    pub(super) locations: &'static [LocSpec],
    /// Categories the customer mostly buys.
    pub(super) prefer: &'static [&'static str],
    pub(super) primary: usize,
    /// Warehouse that covers shortfalls of the primary one (split shipments).
    pub(super) secondary: usize,
    pub(super) po_prefix: &'static str,
    /// Per receiving location, when each site raises its own PO per line.
    pub(super) line_po_codes: &'static [&'static str],
    pub(super) channels: &'static [Channel],
    pub(super) cost_centres: &'static [&'static str],
    /// Share of the orders, in percent.
    pub(super) weight: u32,
    pub(super) freight_share: f64,
    pub(super) method: PaymentMethod,
}

impl AccountSpec {
    pub(super) fn receiving(&self) -> Vec<&LocSpec> {
        self.locations.iter().filter(|l| l.kind.can_receive()).collect()
    }
}

use LocationKind::{BillTo, Both, ShipTo};

pub(super) const ACCOUNTS: [AccountSpec; 5] = [
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
        // Its history peaks near USD 60,000 of exposure; the demo lowers the limit to just over
        // what it owes at the end, for the one order it holds on purpose.
        credit_dollars: 90_000,
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
pub(super) const BATCH_PAYER: usize = 0;
