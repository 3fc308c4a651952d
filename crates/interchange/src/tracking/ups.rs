//! UPS: Track Alert pushes one scan per POST (`trackingNumber`, `activityStatus{type, code,
//! description, descriptionCode}`, local and GMT dates and times, `scheduledDeliveryDate`); the
//! Track API's pull response nests the same scans as `trackResponse.shipment[].package[]
//! .activity[]` (most recent first) with a `currentStatus`.
//!
//! A status *type* is coarse: `D` covers "loaded on delivery vehicle, out for delivery,
//! delivered", and the documented out-for-delivery example is type `I` code `OT`. So the finer
//! code decides first (description code `021` / code `OT` → out for delivery, `RS` → returned
//! to shipper), then the type. `U` (a new delivery date) is not a stage of the journey and maps
//! to `None`.

use super::json::{Obj, location, objects, root};
use super::stamps::{Stamp, compact, compact_day};
use super::{CarrierEvent, CarrierStatus, Provider, TrackingError, TrackingUpdate, oldest_first};
use aftercart_domain::tracking::TrackingStatus;
use time::Date;

const CARRIER: &str = "UPS";
const SCAC: &str = "UPSN";

/// A UPS status (type, code, 3-digit description/status code, description) in our vocabulary.
pub fn ups_status(
    kind: &str,
    code: Option<&str>,
    status_code: Option<&str>,
    description: Option<&str>,
) -> Option<TrackingStatus> {
    let text = description.unwrap_or_default().to_ascii_lowercase();
    if code == Some("RS") || kind == "RS" {
        return Some(TrackingStatus::ReturnedToSender);
    }
    let out_for_delivery = status_code == Some("021")
        || matches!(code, Some("OT" | "OF"))
        || text.contains("out for delivery")
        || text.contains("delivery vehicle");
    if out_for_delivery && matches!(kind, "I" | "D") {
        return Some(TrackingStatus::OutForDelivery);
    }
    Some(match kind {
        "D" => TrackingStatus::Delivered,
        "I" | "P" => TrackingStatus::InTransit,
        "M" | "MP" => TrackingStatus::InfoReceived,
        // A voided label: the shipment will not move, which someone must look at.
        "X" | "MV" => TrackingStatus::Exception,
        _ => return None,
    })
}

/// UPS sends some codes as text (`"021"`) and its examples as numbers (`021` in YAML reads as
/// 21): both are the same three-digit code.
fn three_digit(code: Option<String>) -> Option<String> {
    code.map(|c| match c.parse::<u16>() {
        Ok(n) if c.len() < 3 && n < 1000 => format!("{n:03}"),
        _ => c,
    })
}

fn status_of(s: Obj<'_>, code_key: &str) -> Result<(CarrierStatus, Option<TrackingStatus>), TrackingError> {
    let kind = s.required("type")?;
    let code = s.text("code")?;
    let status_code = three_digit(s.text(code_key)?);
    let description = s.text("description")?;
    let ours = ups_status(&kind, code.as_deref(), status_code.as_deref(), description.as_deref());
    Ok((
        CarrierStatus {
            status: kind,
            detail: code,
            code: status_code,
            description,
        },
        ours,
    ))
}

/// GMT date and time when both are given (exact), else the local ones with the offset (exact),
/// else the local wall clock, else whichever date there is.
fn when(o: Obj<'_>, keys: [&str; 5]) -> Result<Stamp, TrackingError> {
    let [gmt_date, gmt_time, local_date, local_time, offset] = keys;
    let has = |k: &str| o.text(k).map(|v| v.is_some());
    let (date_key, time_key, gmt) = if has(gmt_date)? && has(gmt_time)? {
        (gmt_date, gmt_time, true)
    } else if has(local_date)? {
        (local_date, local_time, false)
    } else {
        (gmt_date, gmt_time, true)
    };
    let date = o.required(date_key)?;
    let time = o.text(time_key)?;
    let off = o.text(offset)?;
    compact(&date, time.as_deref(), off.as_deref(), gmt).map_err(|r| TrackingError::invalid(o.at(date_key), r))
}

fn day(o: Obj<'_>, key: &str) -> Result<Option<Date>, TrackingError> {
    match o.text(key)? {
        Some(s) => compact_day(&s)
            .map(Some)
            .map_err(|r| TrackingError::invalid(o.at(key), r)),
        None => Ok(None),
    }
}

fn child<'a>(o: Obj<'a>, key: &str, path: &'a mut String) -> Result<Option<Obj<'a>>, TrackingError> {
    *path = o.at(key);
    let path: &'a String = path;
    Ok(o.object(key)?.map(|m| Obj::new(m, path.as_str())))
}

/// Parses a UPS Track Alert event (the `TrackingEvent` webhook body).
pub fn parse_ups_track_alert(body: &[u8]) -> Result<TrackingUpdate, TrackingError> {
    let top = root(body)?;
    let t = Obj::new(&top, "");
    if t.map.contains_key("response") && !t.map.contains_key("trackingNumber") {
        return Err(TrackingError::NotTracking("a UPS error response".to_owned()));
    }
    let tracking_number = t.required("trackingNumber")?;
    let mut status_path = String::new();
    let status = child(t, "activityStatus", &mut status_path)?
        .ok_or_else(|| TrackingError::invalid("activityStatus", "missing"))?;
    let (carrier_status, ours) = status_of(status, "descriptionCode")?;
    let stamp = when(
        t,
        [
            "gmtActivityDate",
            "gmtActivityTime",
            "localActivityDate",
            "localActivityTime",
            "gmtOffset",
        ],
    )?;
    let mut loc_path = String::new();
    let location = match child(t, "activityLocation", &mut loc_path)? {
        Some(l) => location(
            l.text("city")?,
            l.text("stateProvince")?,
            l.text("postalCode")?,
            l.text("country")?,
        ),
        None => None,
    };
    let estimated_delivery = day(t, "scheduledDeliveryDate")?;
    let event = CarrierEvent {
        tracking_number: tracking_number.clone(),
        carrier: Some(CARRIER.to_owned()),
        scac: Some(SCAC.to_owned()),
        status: ours,
        message: carrier_status.description.clone(),
        carrier_status: carrier_status.clone(),
        occurred_at: stamp.at,
        time_basis: stamp.basis,
        location,
        estimated_delivery,
        notification_id: None,
    };
    Ok(TrackingUpdate {
        provider: Provider::Ups,
        tracking_number,
        carrier: Some(CARRIER.to_owned()),
        scac: Some(SCAC.to_owned()),
        carrier_status,
        status: ours,
        estimated_delivery,
        updated_at: None,
        notification_id: None,
        events: vec![event],
    })
}

/// Parses a UPS Track API response: one update per package of every shipment.
pub fn parse_ups_track_response(body: &[u8]) -> Result<Vec<TrackingUpdate>, TrackingError> {
    let top = root(body)?;
    let t = Obj::new(&top, "");
    let mut path = String::new();
    let Some(resp) = child(t, "trackResponse", &mut path)? else {
        return Err(TrackingError::NotTracking(if t.map.contains_key("response") {
            "a UPS error response".to_owned()
        } else {
            "not a UPS Track API response".to_owned()
        }));
    };
    let mut updates = Vec::new();
    for (shipment, at) in objects(resp.array("shipment")?, &resp.at("shipment"))? {
        let s = Obj::new(shipment, &at);
        let inquiry = s.text("inquiryNumber")?;
        for (package, at) in objects(s.array("package")?, &s.at("package"))? {
            updates.push(package_update(Obj::new(package, &at), inquiry.as_deref())?);
        }
    }
    Ok(updates)
}

fn package_update(p: Obj<'_>, inquiry: Option<&str>) -> Result<TrackingUpdate, TrackingError> {
    let tracking_number = match (p.text("trackingNumber")?, inquiry) {
        (Some(n), _) => n,
        (None, Some(n)) => n.to_owned(),
        (None, None) => return Err(TrackingError::invalid(p.at("trackingNumber"), "missing")),
    };
    let estimated_delivery = delivery_estimate(p)?;
    let mut events = Vec::new();
    for (activity, at) in objects(p.array("activity")?, &p.at("activity"))? {
        let a = Obj::new(activity, &at);
        let mut status_path = String::new();
        let status =
            child(a, "status", &mut status_path)?.ok_or_else(|| TrackingError::invalid(a.at("status"), "missing"))?;
        let (carrier_status, ours) = status_of(status, "statusCode")?;
        let stamp = when(a, ["gmtDate", "gmtTime", "date", "time", "gmtOffset"])?;
        events.push(CarrierEvent {
            tracking_number: tracking_number.clone(),
            carrier: Some(CARRIER.to_owned()),
            scac: Some(SCAC.to_owned()),
            status: ours,
            message: carrier_status.description.clone(),
            carrier_status,
            occurred_at: stamp.at,
            time_basis: stamp.basis,
            location: activity_location(a)?,
            estimated_delivery,
            notification_id: None,
        });
    }
    oldest_first(&mut events);
    let mut current_path = String::new();
    let (carrier_status, status) = match child(p, "currentStatus", &mut current_path)? {
        Some(c) if c.text("type")?.is_some() => status_of(c, "statusCode")?,
        // Without a current status, the latest scan is the package's state.
        _ => match events.last() {
            Some(e) => (e.carrier_status.clone(), e.status),
            None => {
                return Err(TrackingError::invalid(
                    p.at("currentStatus"),
                    "missing, and no activity",
                ));
            }
        },
    };
    Ok(TrackingUpdate {
        provider: Provider::Ups,
        tracking_number,
        carrier: Some(CARRIER.to_owned()),
        scac: Some(SCAC.to_owned()),
        carrier_status,
        status,
        estimated_delivery,
        updated_at: None,
        notification_id: None,
        events,
    })
}

fn activity_location(a: Obj<'_>) -> Result<Option<String>, TrackingError> {
    let mut lp = String::new();
    let Some(l) = child(a, "location", &mut lp)? else {
        return Ok(None);
    };
    let mut ap = String::new();
    let Some(ad) = child(l, "address", &mut ap)? else {
        return Ok(None);
    };
    Ok(location(
        ad.text("city")?,
        ad.text("stateProvince")?,
        ad.text("postalCode")?,
        ad.text("countryCode")?.or(ad.text("country")?),
    ))
}

/// The rescheduled delivery date (`RDD`) over the scheduled one (`SDD`); `DEL` is the actual
/// delivery, not an estimate.
fn delivery_estimate(p: Obj<'_>) -> Result<Option<Date>, TrackingError> {
    let mut best: Option<(u8, Date)> = None;
    for (d, at) in objects(p.array("deliveryDate")?, &p.at("deliveryDate"))? {
        let d = Obj::new(d, &at);
        let rank = match d.text("type")?.as_deref() {
            Some("RDD") => 2,
            Some("SDD") => 1,
            _ => continue,
        };
        if let Some(date) = day(d, "date")?
            && best.is_none_or(|(r, _)| rank > r)
        {
            best = Some((rank, date));
        }
    }
    Ok(best.map(|(_, d)| d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_refine_types() {
        let s = |k, c, sc, d| ups_status(k, c, sc, d);
        assert_eq!(
            s("I", Some("OT"), Some("021"), Some("Out for Delivery")),
            Some(TrackingStatus::OutForDelivery)
        );
        assert_eq!(
            s("D", Some("FS"), Some("011"), Some("Delivered")),
            Some(TrackingStatus::Delivered)
        );
        assert_eq!(
            s("D", None, None, Some("Loaded on Delivery Vehicle")),
            Some(TrackingStatus::OutForDelivery)
        );
        assert_eq!(
            s("I", Some("OR"), None, Some("On the Way")),
            Some(TrackingStatus::InTransit)
        );
        assert_eq!(s("P", None, None, None), Some(TrackingStatus::InTransit));
        assert_eq!(
            s("M", Some("MP"), Some("003"), None),
            Some(TrackingStatus::InfoReceived)
        );
        assert_eq!(s("MV", None, None, None), Some(TrackingStatus::Exception));
        assert_eq!(s("X", Some("SR"), None, None), Some(TrackingStatus::Exception));
        assert_eq!(
            s("X", Some("RS"), None, Some("Returned to shipper")),
            Some(TrackingStatus::ReturnedToSender)
        );
        assert_eq!(s("RS", None, None, None), Some(TrackingStatus::ReturnedToSender));
        assert_eq!(s("U", None, None, Some("Updated delivery date")), None);
        assert_eq!(s("X", Some("OT"), Some("021"), None), Some(TrackingStatus::Exception));
        assert_eq!(s("Z", None, None, None), None);
        assert_eq!(three_digit(Some("21".into())).as_deref(), Some("021"));
        assert_eq!(three_digit(Some("011".into())).as_deref(), Some("011"));
        assert_eq!(three_digit(Some("A1".into())).as_deref(), Some("A1"));
    }
}
