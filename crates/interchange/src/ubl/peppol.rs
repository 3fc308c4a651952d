//! The identifiers that make a UBL document a Peppol BIS Billing 3.0 one.

/// BT-24: EN 16931 compliant, in Peppol BIS Billing 3.0's customisation.
pub const CUSTOMIZATION_ID: &str = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";

/// BT-23: the Peppol billing process.
pub const PROFILE_ID: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";
