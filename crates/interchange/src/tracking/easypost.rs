//! EasyPost: a webhook is an `Event` whose `result` is the object that changed; for tracking,
//! a `Tracker` (`tracking_code`, `carrier`, `status`, `status_detail`, `est_delivery_date`, and
//! the whole history in `tracking_details[]`). A bare Tracker (the API's retrieve response) is
//! read the same way, without a notification id. Events about other objects are
//! [`TrackingError::NotTracking`].

use super::json::{Obj, location, objects, root};
use super::stamps::{iso, iso_day};
use super::{CarrierEvent, CarrierStatus, Provider, TrackingError, TrackingUpdate, oldest_first};
use aftercart_domain::tracking::TrackingStatus;

/// EasyPost's tracker statuses in our vocabulary. `unknown` (the carrier has said nothing yet)
/// is pending; `failure` and `error` are exceptions, and so is `cancelled` (a label voided
/// before use needs someone's attention just the same).
pub fn easypost_status(status: &str) -> Option<TrackingStatus> {
    Some(match status {
        "unknown" => TrackingStatus::Pending,
        "pre_transit" => TrackingStatus::InfoReceived,
        "in_transit" => TrackingStatus::InTransit,
        "out_for_delivery" => TrackingStatus::OutForDelivery,
        "available_for_pickup" => TrackingStatus::AvailableForPickup,
        "delivered" => TrackingStatus::Delivered,
        "return_to_sender" => TrackingStatus::ReturnedToSender,
        "failure" | "error" | "cancelled" => TrackingStatus::Exception,
        _ => return None,
    })
}

/// Parses an EasyPost `tracker.*` Event, or a bare Tracker.
pub fn parse_easypost(body: &[u8]) -> Result<TrackingUpdate, TrackingError> {
    let top = root(body)?;
    let top = Obj::new(&top, "");
    match top.text("object")?.as_deref() {
        Some("Event") => {
            let what = top.text("description")?.unwrap_or_else(|| "event".to_owned());
            let Some(result) = top.object("result")? else {
                return Err(TrackingError::NotTracking(format!("EasyPost {what} has no result")));
            };
            let result = Obj::new(result, "result");
            let object = result.text("object")?;
            if object.as_deref() != Some("Tracker") {
                let object = object.unwrap_or_else(|| "an untyped object".to_owned());
                return Err(TrackingError::NotTracking(format!("EasyPost {what} carries {object}")));
            }
            tracker(result, top.text("id")?)
        }
        Some("Tracker") => tracker(top, None),
        Some(other) => Err(TrackingError::NotTracking(format!("an EasyPost {other}"))),
        None => Err(TrackingError::invalid(
            "object",
            "missing: not an EasyPost Event or Tracker",
        )),
    }
}

fn tracker(t: Obj<'_>, notification_id: Option<String>) -> Result<TrackingUpdate, TrackingError> {
    let tracking_number = t.required("tracking_code")?;
    let carrier = t.text("carrier")?;
    let status = t.required("status")?;
    // The carrier's own local date beats the UTC-midnight stamp EasyPost derives from it.
    let detail_path = t.at("carrier_detail");
    let local_estimate = match t.object("carrier_detail")? {
        Some(d) => Obj::new(d, &detail_path).text("est_delivery_date_local")?,
        None => None,
    };
    let estimate_text = match local_estimate {
        Some(s) => Some((s, format!("{detail_path}.est_delivery_date_local"))),
        None => t.text("est_delivery_date")?.map(|s| (s, t.at("est_delivery_date"))),
    };
    let estimated_delivery = match estimate_text {
        Some((s, at)) => Some(iso_day(&s).map_err(|r| TrackingError::invalid(at, r))?),
        None => None,
    };
    let updated_at = match t.text("updated_at")? {
        Some(s) => Some(iso(&s).map_err(|r| TrackingError::invalid(t.at("updated_at"), r))?.at),
        None => None,
    };
    let details_path = t.at("tracking_details");
    let mut events = Vec::new();
    for (map, at) in objects(t.array("tracking_details")?, &details_path)? {
        events.push(detail(
            Obj::new(map, &at),
            &tracking_number,
            carrier.as_deref(),
            estimated_delivery,
            notification_id.as_deref(),
        )?);
    }
    oldest_first(&mut events);
    Ok(TrackingUpdate {
        provider: Provider::EasyPost,
        tracking_number,
        carrier,
        scac: None,
        status: easypost_status(&status),
        carrier_status: CarrierStatus {
            status,
            detail: t.text("status_detail")?,
            code: None,
            description: None,
        },
        estimated_delivery,
        updated_at,
        notification_id,
        events,
    })
}

fn detail(
    d: Obj<'_>,
    tracking_number: &str,
    carrier: Option<&str>,
    tracker_estimate: Option<time::Date>,
    notification_id: Option<&str>,
) -> Result<CarrierEvent, TrackingError> {
    let stamp = iso(&d.required("datetime")?).map_err(|r| TrackingError::invalid(d.at("datetime"), r))?;
    let status = d.required("status")?;
    let estimated_delivery = match d.text("est_delivery_date")? {
        Some(s) => Some(iso_day(&s).map_err(|r| TrackingError::invalid(d.at("est_delivery_date"), r))?),
        None => tracker_estimate,
    };
    let loc_path = d.at("tracking_location");
    let location = match d.object("tracking_location")? {
        Some(l) => place(Obj::new(l, &loc_path))?,
        None => None,
    };
    Ok(CarrierEvent {
        tracking_number: tracking_number.to_owned(),
        carrier: d.text("source")?.or_else(|| carrier.map(str::to_owned)),
        scac: None,
        status: easypost_status(&status),
        carrier_status: CarrierStatus {
            status,
            detail: d.text("status_detail")?,
            code: d.text("carrier_code")?,
            description: d.text("description")?,
        },
        occurred_at: stamp.at,
        time_basis: stamp.basis,
        location,
        message: d.text("message")?.or(d.text("description")?),
        estimated_delivery,
        notification_id: notification_id.map(str::to_owned),
    })
}

fn place(l: Obj<'_>) -> Result<Option<String>, TrackingError> {
    Ok(location(
        l.text("city")?,
        l.text("state")?,
        l.text("zip")?,
        l.text("country")?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_status_maps() {
        for (s, want) in [
            ("unknown", TrackingStatus::Pending),
            ("pre_transit", TrackingStatus::InfoReceived),
            ("in_transit", TrackingStatus::InTransit),
            ("out_for_delivery", TrackingStatus::OutForDelivery),
            ("available_for_pickup", TrackingStatus::AvailableForPickup),
            ("delivered", TrackingStatus::Delivered),
            ("return_to_sender", TrackingStatus::ReturnedToSender),
            ("failure", TrackingStatus::Exception),
            ("error", TrackingStatus::Exception),
            ("cancelled", TrackingStatus::Exception),
        ] {
            assert_eq!(easypost_status(s), Some(want), "{s}");
        }
        assert_eq!(easypost_status("teleported"), None);
        assert_eq!(easypost_status("Delivered"), None, "EasyPost's words are lower case");
    }
}
