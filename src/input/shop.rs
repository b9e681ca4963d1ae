//! What the shop readers (Shopify, WooCommerce) share: VAT from the profile's SKU table, buyers and their
//! Peppol addresses, and errors.

use super::{BuyerType, InputError, Position, RawAddress, RawBuyer, RawLine};
use crate::config::Shops;
use rust_decimal::Decimal;
use std::path::Path;

/// A VAT category and rate for a line or charge, as the reader decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Vat {
    /// UNCL 5305 code.
    pub category: String,
    /// Rate in percent (0 outside category S).
    pub rate: Decimal,
    /// Exemption reason, for the untaxed category.
    pub reason: Option<String>,
}

impl Vat {
    /// Standard rate.
    pub fn standard(rate: Decimal) -> Vat {
        Vat {
            category: "S".into(),
            rate: rate.normalize(),
            reason: None,
        }
    }

    /// Writes the VAT onto a line.
    pub fn apply(&self, line: &mut RawLine) {
        line.vat_category = Some(self.category.clone());
        line.vat_rate = Some(self.rate);
        line.vat_exemption_reason.clone_from(&self.reason);
    }
}

/// The VAT the profile's `shops.skus` table gives a SKU.
pub(super) fn sku_vat(shops: &Shops, sku: Option<&str>) -> Option<Vat> {
    let v = shops.skus.get(sku?)?;
    Some(Vat {
        category: v.vat_category.clone(),
        rate: v.vat_rate.unwrap_or_default().normalize(),
        reason: None,
    })
}

/// The VAT of what the shop charged no tax on, from `shops.untaxed_vat_category`.
pub(super) fn untaxed_vat(shops: &Shops, what: &str) -> Result<Vat, String> {
    match &shops.untaxed_vat_category {
        Some(c) => Ok(Vat {
            category: c.clone(),
            rate: Decimal::ZERO,
            reason: shops.untaxed_exemption_reason.clone(),
        }),
        None => Err(format!(
            "the shop charged no VAT on {what}; say which VAT category applies: set [shops] untaxed_vat_category \
             (Z, E, AE, K, G or O) in the profile, or give the SKU its VAT in [shops.skus]"
        )),
    }
}

/// A Peppol address written as `scheme:id` (such as `0088:4006381333931`).
pub(super) fn endpoint(value: &str) -> Result<(String, String), String> {
    match value.trim().split_once(':') {
        Some((scheme, id))
            if scheme.trim().len() == 4
                && scheme.trim().bytes().all(|b| b.is_ascii_alphanumeric())
                && !id.trim().is_empty() =>
        {
            Ok((scheme.trim().to_owned(), id.trim().to_owned()))
        }
        _ => Err(format!(
            "{value:?} is not a Peppol address written as scheme:id (such as 0088:4006381333931)"
        )),
    }
}

/// Decides the buyer type: a company name or VAT id makes a business, which needs a Peppol address.
///
/// Returns the error message when a business has none.
pub(super) fn classify(buyer: &mut RawBuyer, endpoint_keys: &[String]) -> Result<(), String> {
    let business = buyer.company.is_some() || buyer.vat_id.is_some();
    buyer.buyer_type = if business {
        BuyerType::Business
    } else {
        BuyerType::Consumer
    };
    if business && buyer.endpoint_id.is_none() {
        return Err(format!(
            "the buyer is a business (company name or VAT id) without a Peppol electronic address, which Peppol \
             requires (PEPPOL-EN16931-R010); record it on the order as scheme:id under one of the keys in [shops] \
             endpoint_keys (now {endpoint_keys:?})"
        ));
    }
    Ok(())
}

/// An error at a position in a shop input.
pub(super) fn error(
    file: &Path,
    position: Position,
    order_id: Option<&str>,
    field: Option<&str>,
    message: impl Into<String>,
) -> InputError {
    InputError {
        file: file.into(),
        position: Some(position),
        order_id: order_id.map(str::to_owned),
        field: field.map(str::to_owned),
        message: message.into(),
        skipped: false,
        settled_by: None,
    }
}

/// An order deliberately left out, with the reason.
pub(super) fn skipped(
    file: &Path,
    position: Position,
    order_id: &str,
    field: &str,
    reason: String,
) -> InputError {
    InputError {
        skipped: true,
        settled_by: None,
        ..error(file, position, Some(order_id), Some(field), reason)
    }
}

/// Trims a text and drops it when empty.
pub(super) fn text(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// Whether a delivery address is the buyer's own (then no delivery is written).
pub(super) fn same_address(a: &RawAddress, b: &RawAddress) -> bool {
    a.street == b.street
        && a.additional_street == b.additional_street
        && a.city == b.city
        && a.postal_code == b.postal_code
        && a.country == b.country
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_scheme_colon_id() {
        assert_eq!(
            endpoint(" 0088:4006381333931 "),
            Ok(("0088".into(), "4006381333931".into()))
        );
        assert!(endpoint("4006381333931").is_err());
        assert!(endpoint("0088:").is_err());
    }
}
