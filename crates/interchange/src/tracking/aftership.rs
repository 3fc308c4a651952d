//! AfterShip Tracking webhooks: `{ "event": "tracking_update", "event_id": "<uuid>", "ts": …,
//! "msg": <Tracking> }`, where the Tracking has `tracking_number`, `slug` (the carrier),
//! `tag` / `subtag` (`Exception` / `Exception_011`), estimated delivery dates and the whole
//! history in `checkpoints[]`. A bare Tracking object is read the same way.
//!
//! AfterShip documents `checkpoint_time` as the carrier's time at the checkpoint, which carriers
//! give with or without an offset (or as a date): all three are read and flagged.

use super::json::{Obj, location, objects, root};
use super::stamps::{iso, iso_day};
use super::{CarrierEvent, CarrierStatus, Provider, TrackingError, TrackingUpdate, oldest_first};
use aftercart_domain::tracking::TrackingStatus;

/// AfterShip's tags (and the subtags that change their meaning) in our vocabulary.
/// `AttemptFail` is a failed delivery attempt; `Exception_011` means the parcel is back with
/// the sender, while `Exception_010` (on its way back) stays an exception: the domain's
/// returned-to-sender is final and counts the goods as returned, which they are not yet.
pub fn aftership_status(tag: &str, subtag: Option<&str>) -> Option<TrackingStatus> {
    Some(match tag {
        "Pending" => TrackingStatus::Pending,
        "InfoReceived" => TrackingStatus::InfoReceived,
        "InTransit" => TrackingStatus::InTransit,
        "OutForDelivery" => TrackingStatus::OutForDelivery,
        "AttemptFail" => TrackingStatus::FailedAttempt,
        "AvailableForPickup" => TrackingStatus::AvailableForPickup,
        "Delivered" => TrackingStatus::Delivered,
        "Exception" if subtag == Some("Exception_011") => TrackingStatus::ReturnedToSender,
        "Exception" => TrackingStatus::Exception,
        "Expired" => TrackingStatus::Expired,
        _ => return None,
    })
}

/// Parses an AfterShip tracking webhook (or a bare Tracking object).
pub fn parse_aftership(body: &[u8]) -> Result<TrackingUpdate, TrackingError> {
    let top = root(body)?;
    let top = Obj::new(&top, "");
    if let Some(msg) = top.object("msg")? {
        let id = top.text("event_id")?;
        return tracking(Obj::new(msg, "msg"), id);
    }
    if top.map.contains_key("tracking_number") {
        return tracking(top, None);
    }
    let what = top.text("event")?.unwrap_or_else(|| "body".to_owned());
    Err(TrackingError::NotTracking(format!("AfterShip {what} has no msg")))
}

fn tracking(t: Obj<'_>, notification_id: Option<String>) -> Result<TrackingUpdate, TrackingError> {
    let tracking_number = t.required("tracking_number")?;
    let carrier = t.text("slug")?;
    let tag = t.required("tag")?;
    let subtag = t.text("subtag")?;
    let estimated_delivery = estimate(t)?;
    let updated_at = match t.text("updated_at")? {
        Some(s) => Some(iso(&s).map_err(|r| TrackingError::invalid(t.at("updated_at"), r))?.at),
        None => None,
    };
    let path = t.at("checkpoints");
    let mut events = Vec::new();
    for (map, at) in objects(t.array("checkpoints")?, &path)? {
        let c = Obj::new(map, &at);
        let stamp =
            iso(&c.required("checkpoint_time")?).map_err(|r| TrackingError::invalid(c.at("checkpoint_time"), r))?;
        let ctag = c.required("tag")?;
        let csub = c.text("subtag")?;
        let place = match c.text("location")? {
            Some(l) => Some(l),
            None => location(
                c.text("city")?,
                c.text("state")?,
                c.text("zip")?.or(c.text("postal_code")?),
                c.text("country_iso3")?.or(c.text("country_region")?),
            ),
        };
        events.push(CarrierEvent {
            tracking_number: tracking_number.clone(),
            carrier: c.text("slug")?.or_else(|| carrier.clone()),
            scac: None,
            status: aftership_status(&ctag, csub.as_deref()),
            carrier_status: CarrierStatus {
                status: ctag,
                detail: csub,
                code: c.text("raw_tag")?,
                description: c.text("subtag_message")?,
            },
            occurred_at: stamp.at,
            time_basis: stamp.basis,
            location: place,
            message: c.text("message")?,
            estimated_delivery,
            notification_id: notification_id.clone(),
        });
    }
    oldest_first(&mut events);
    Ok(TrackingUpdate {
        provider: Provider::AfterShip,
        tracking_number,
        carrier,
        scac: None,
        status: aftership_status(&tag, subtag.as_deref()),
        carrier_status: CarrierStatus {
            status: tag,
            detail: subtag,
            code: None,
            description: t.text("subtag_message")?,
        },
        estimated_delivery,
        updated_at,
        notification_id,
        events,
    })
}

/// The carrier's estimate first, then a date set by hand, then AfterShip's own prediction, then
/// the legacy `expected_delivery`.
fn estimate(t: Obj<'_>) -> Result<Option<time::Date>, TrackingError> {
    for (key, inner) in [
        ("courier_estimated_delivery_date", "estimated_delivery_date"),
        ("custom_estimated_delivery_date", "date"),
        ("aftership_estimated_delivery_date", "estimated_delivery_date"),
    ] {
        let path = t.at(key);
        if let Some(o) = t.object(key)?
            && let Some(s) = Obj::new(o, &path).text(inner)?
        {
            return iso_day(&s)
                .map(Some)
                .map_err(|r| TrackingError::invalid(format!("{path}.{inner}"), r));
        }
    }
    match t.text("expected_delivery")? {
        Some(s) => iso_day(&s)
            .map(Some)
            .map_err(|r| TrackingError::invalid(t.at("expected_delivery"), r)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_return_subtags() {
        for (tag, want) in [
            ("Pending", TrackingStatus::Pending),
            ("InfoReceived", TrackingStatus::InfoReceived),
            ("InTransit", TrackingStatus::InTransit),
            ("OutForDelivery", TrackingStatus::OutForDelivery),
            ("AttemptFail", TrackingStatus::FailedAttempt),
            ("AvailableForPickup", TrackingStatus::AvailableForPickup),
            ("Delivered", TrackingStatus::Delivered),
            ("Exception", TrackingStatus::Exception),
            ("Expired", TrackingStatus::Expired),
        ] {
            assert_eq!(aftership_status(tag, None), Some(want), "{tag}");
        }
        assert_eq!(
            aftership_status("Exception", Some("Exception_011")),
            Some(TrackingStatus::ReturnedToSender)
        );
        assert_eq!(
            aftership_status("Exception", Some("Exception_010")),
            Some(TrackingStatus::Exception)
        );
        assert_eq!(
            aftership_status("InTransit", Some("Exception_011")),
            Some(TrackingStatus::InTransit)
        );
        assert_eq!(aftership_status("in_transit", None), None);
    }
}
