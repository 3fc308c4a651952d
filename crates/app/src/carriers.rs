//! Carrier tracking webhooks from the aggregators (EasyPost, AfterShip) and UPS Track Alert:
//! verified on the raw body with the provider's own scheme, read by the interchange crate into
//! the one tracking vocabulary, and applied as one batch through the same path as the
//! normalised `tracking-events` endpoint — so de-duplication, out-of-order folding and the
//! recycled-number rule are the same whoever reports a scan.
//!
//! Providers re-send a notification until they get a 2xx, and each notification repeats the
//! whole history: a scan already applied is a duplicate, a number no shipment has is answered
//! (and counted) rather than refused, so a provider never retries forever over a parcel that is
//! not ours. Only a bad signature (401) and a store failure (which a retry may fix) are errors.

use crate::error::{AppError, Result};
use crate::{App, Ctx, ShipmentRef, TrackingInput};
use aftercart_domain::{ErrorCode, Rejection};
use aftercart_interchange::tracking::{CarrierStatus, Provider, TrackingError, parse_webhook, verify};

/// The secrets each provider signs with (set from configuration); a provider without one has no
/// webhook here (404).
#[derive(Debug, Clone, Default)]
pub struct CarrierSettings {
    /// EasyPost webhook secret (`X-Hmac-Signature`).
    pub easypost_secret: Option<String>,
    /// AfterShip webhook secret (`aftership-hmac-sha256`).
    pub aftership_secret: Option<String>,
    /// The credential given to UPS Track Alert at subscription, sent back with every event.
    pub ups_credential: Option<String>,
}

impl CarrierSettings {
    fn secret(&self, p: Provider) -> Option<&str> {
        match p {
            Provider::EasyPost => self.easypost_secret.as_deref(),
            Provider::AfterShip => self.aftership_secret.as_deref(),
            Provider::Ups => self.ups_credential.as_deref(),
        }
        .filter(|s| !s.is_empty())
    }
}

/// What a notification came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CarrierOutcome {
    pub tracking_number: Option<String>,
    /// Scans in the notification.
    pub scans: usize,
    pub applied: usize,
    /// Scans applied before (the provider repeats the history with every notification).
    pub duplicates: usize,
    /// Scans whose carrier status no mapping knows (kept out rather than guessed).
    pub unmapped: usize,
    /// Scans for a number no shipment here has.
    pub unknown: usize,
    /// Scans refused for the shipment the number belongs to, with the reason (a recycled
    /// number, a scan the ledger refuses).
    pub refused: Vec<String>,
}

/// The carrier's words, kept beside ours on the shipment's scan.
pub(crate) fn carrier_words(c: &CarrierStatus) -> String {
    let mut s = c.status.clone();
    if let Some(d) = c.detail.as_deref().filter(|d| !d.is_empty() && *d != c.status) {
        s.push_str(" / ");
        s.push_str(d);
    }
    if let Some(code) = c.code.as_deref().filter(|d| !d.is_empty()) {
        s.push_str(&format!(" ({code})"));
    }
    s.chars().take(200).collect()
}

impl App {
    pub fn with_carriers(mut self, settings: CarrierSettings) -> App {
        self.carriers = std::sync::Arc::new(settings);
        self
    }

    /// Whether `provider` has a webhook here (its secret is configured).
    pub fn carrier_configured(&self, provider: Provider) -> bool {
        self.carriers.secret(provider).is_some()
    }

    /// Handles one provider notification: verify, read, apply.
    pub async fn carrier_webhook(
        &self,
        provider: Provider,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<CarrierOutcome> {
        let secret = self
            .carriers
            .secret(provider)
            .ok_or_else(|| AppError::not_found("carrier webhook"))?;
        verify(provider, headers, body, secret)
            .map_err(|e| AppError::Unauthenticated(format!("{} webhook refused: {e}", provider.as_str())))?;
        let update = match parse_webhook(provider, body) {
            Ok(u) => u,
            Err(TrackingError::NotTracking(_)) => return Ok(CarrierOutcome::default()),
            Err(TrackingError::Invalid { path, reason }) => {
                return Err(Rejection::new(ErrorCode::InvalidValue, path, reason).into());
            }
        };
        let mut out = CarrierOutcome {
            tracking_number: Some(update.tracking_number.clone()),
            scans: update.events.len(),
            ..Default::default()
        };
        let source = match (&update.carrier, provider) {
            (Some(c), Provider::EasyPost | Provider::AfterShip) => format!("{} via {}", c, provider.as_str()),
            _ => provider.as_str().to_owned(),
        };
        let inputs: Vec<TrackingInput> = update
            .events
            .iter()
            .filter_map(|e| {
                let status = e.status?;
                Some(TrackingInput {
                    shipment: ShipmentRef::TrackingNumber(e.tracking_number.clone()),
                    status,
                    occurred_at: e.occurred_at,
                    location: e.location.clone(),
                    description: e.message.clone(),
                    // The notification id is shared by every scan it repeats: scans are told
                    // apart by status, time and location instead.
                    event_id: None,
                    source: source.clone(),
                    estimated_delivery: e.estimated_delivery.or(update.estimated_delivery),
                    carrier_status: Some(carrier_words(&e.carrier_status)),
                })
            })
            .collect();
        out.unmapped = out.scans - inputs.len();
        if inputs.is_empty() {
            return Ok(out);
        }
        let ctx = Ctx::system();
        for r in self.track_many(&ctx, &inputs).await {
            match r {
                Ok(o) if o.applied => out.applied += 1,
                Ok(_) | Err(AppError::Duplicate) => out.duplicates += 1,
                Err(AppError::NotFound { .. }) => out.unknown += 1,
                Err(AppError::Rejected(r)) => out.refused.push(r.message),
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}
