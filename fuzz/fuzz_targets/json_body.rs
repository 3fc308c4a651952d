//! The JSON command body parser (`aftercart_api::extract::parse_json`) into the real request
//! DTOs: any bytes give a DTO or a 400/422 problem, never a panic; a 422 names a field when the
//! body was an object.
#![no_main]

use aftercart_api::error::ApiError;
use aftercart_api::extract::parse_json;
use aftercart_api::routes::{accounts, billing, catalog, governance, identity, orders, reorder, shipments};
use libfuzzer_sys::fuzz_target;

fn run<T: serde::de::DeserializeOwned>(bytes: &[u8]) {
    let r: Result<T, ApiError> = parse_json(bytes);
    if let Err(e) = r {
        let s = e.status.as_u16();
        assert!(
            s == 400 || s == 422,
            "status {s} for {:?}",
            String::from_utf8_lossy(bytes)
        );
        assert!(!e.code.is_empty());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    match pick % 24 {
        0 => run::<orders::OrderIn>(body),
        1 => run::<orders::AllocationIn>(body),
        2 => run::<orders::BackorderIn>(body),
        3 => run::<orders::RescheduleIn>(body),
        4 => run::<orders::CancellationIn>(body),
        5 => run::<shipments::ShipmentIn>(body),
        6 => run::<shipments::TrackingBatchIn>(body),
        7 => run::<shipments::ReceiptIn>(body),
        8 => run::<billing::InvoiceIn>(body),
        9 => run::<billing::CreditMemoIn>(body),
        10 => run::<billing::PaymentIn>(body),
        11 => run::<accounts::AccountIn>(body),
        12 => run::<accounts::AccountPatchIn>(body),
        13 => run::<accounts::LocationIn>(body),
        14 => run::<accounts::ContractPriceIn>(body),
        15 => run::<catalog::ProductIn>(body),
        16 => run::<catalog::FulfilmentLocationIn>(body),
        17 => run::<identity::UserIn>(body),
        18 => run::<identity::LoginIn>(body),
        19 => run::<governance::PolicyDto>(body),
        20 => run::<governance::DelegationIn>(body),
        21 => run::<governance::BudgetIn>(body),
        22 => run::<reorder::SavedListIn>(body),
        _ => run::<serde_json::Value>(body),
    }
});
