//! From an order as exported and the seller profile to a complete document with computed totals.
//!
//! Conventions (documented in the README):
//! - Net prices: line net = quantity x price / base quantity - line discount, rounded to cents; VAT per
//!   category and rate = taxable amount x rate, rounded to cents (EN 16931, BR-CO-17).
//! - Gross prices (`prices_include_vat`): what the customer paid is kept to the cent. Per category and rate the
//!   gross amounts are added up, the taxable amount is gross / (1 + rate) rounded to cents, and the VAT is the
//!   difference, which may differ by one cent from taxable x rate (within BR-CO-17's tolerance). The taxable
//!   amount is then spread over lines and charges, and each line's net price follows from its net amount.

use super::money::{allocate, cents};
use super::{
    Address, AllowanceCharge, Contact, Delivery, DocKind, Document, Line, Party, Payment,
    TaxCategory, Totals, VatCode, VatSubtotal,
};
use crate::config::{Profile, ShippingVat};
use crate::input::{BuyerType, OrderKind, PaymentStatus, RawAddress, RawCharge, RawOrder};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Why an order cannot become a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct OrderError {
    /// The field, as a JSON path such as `lines[2].quantity`, or a profile key such as `profile: seller.vat_id`.
    pub field: String,
    /// The 0-based index of the order line the field belongs to, if any.
    pub line: Option<usize>,
    /// What is wrong and what to do.
    pub message: String,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> OrderError {
    OrderError {
        field: field.into(),
        line: None,
        message: message.into(),
    }
}

fn line_err(i: usize, field: &str, message: impl Into<String>) -> OrderError {
    OrderError {
        field: format!("lines[{i}].{field}"),
        line: Some(i),
        message: message.into(),
    }
}

/// A component of a VAT group before net amounts are final: a line, or a document-level charge or allowance.
enum Part {
    Line(usize),
    Charge(usize),
}

/// Builds the document for one order. The result is complete but for its number.
pub fn build(order: &RawOrder, profile: &Profile) -> Result<Document, OrderError> {
    let kind = match (order.kind, &order.refund_of) {
        (OrderKind::Order, None) => DocKind::Invoice,
        (OrderKind::Refund, Some(_)) => DocKind::CreditNote,
        (OrderKind::Order, Some(_)) => {
            return Err(err(
                "refund_of",
                "only a refund (kind = refund) may name refund_of",
            ))
        }
        (OrderKind::Refund, None) => {
            return Err(err(
                "refund_of",
                "a refund must name the order it refunds (refund_of)",
            ))
        }
    };
    let order_id = order.order_id.trim();
    if order_id.is_empty() {
        return Err(err("order_id", "is empty"));
    }
    let currency = order
        .currency
        .as_deref()
        .unwrap_or(&profile.defaults.currency)
        .trim()
        .to_owned();
    if !super::is_currency(&currency) {
        return Err(err(
            "currency",
            format!("{currency:?} is not an ISO 4217 currency code"),
        ));
    }
    if order.lines.is_empty() {
        return Err(err("lines", "an order needs at least one line"));
    }
    let gross = order.prices_include_vat;

    // Lines: quantities, prices and the gross or net line amount before VAT handling.
    let mut lines = Vec::with_capacity(order.lines.len());
    let mut line_amounts = Vec::with_capacity(order.lines.len());
    let mut line_discounts = Vec::with_capacity(order.lines.len());
    let mut exemption_reasons: BTreeMap<TaxCategory, String> = BTreeMap::new();
    for (i, l) in order.lines.iter().enumerate() {
        let name = text(&l.description).ok_or_else(|| line_err(i, "description", "is missing"))?;
        let quantity = l
            .quantity
            .ok_or_else(|| line_err(i, "quantity", "is missing"))?;
        if quantity <= Decimal::ZERO {
            let what = if kind == DocKind::Invoice {
                "must be positive in a sale (returns are refunds, kind = refund)"
            } else {
                "must be positive: the quantity returned"
            };
            return Err(line_err(i, "quantity", format!("{quantity} {what}")));
        }
        let price = l
            .unit_price
            .ok_or_else(|| line_err(i, "unit_price", "is missing"))?;
        if price.is_sign_negative() {
            return Err(line_err(
                i,
                "unit_price",
                format!("{price} is negative (BR-27); give a discount instead"),
            ));
        }
        let base = l.base_quantity.unwrap_or(Decimal::ONE);
        if base <= Decimal::ZERO {
            return Err(line_err(
                i,
                "base_quantity",
                format!("{base} must be positive"),
            ));
        }
        for (field, value) in [
            ("quantity", quantity),
            ("unit_price", price),
            ("base_quantity", base),
        ] {
            check_magnitude(value).map_err(|m| line_err(i, field, m))?;
        }
        let discount = l.discount.unwrap_or_default();
        check_money(discount).map_err(|m| line_err(i, "discount", m))?;
        let amount = cents(quantity * price / base) - discount;
        check_magnitude(amount)
            .map_err(|m| line_err(i, "quantity", format!("the line amount {m}")))?;
        if amount.is_sign_negative() {
            return Err(line_err(
                i,
                "discount",
                format!(
                    "the discount {discount} exceeds the line amount {}",
                    amount + discount
                ),
            ));
        }
        let tax = tax_category(
            l.vat_category.as_deref(),
            l.vat_rate,
            profile,
            &format!("lines[{i}]."),
        )
        .map_err(|mut e| {
            e.line = Some(i);
            e
        })?;
        if tax.code != VatCode::S && tax.code != VatCode::Z {
            let reason = text(&l.vat_exemption_reason)
                .or_else(|| default_exemption(tax.code, profile))
                .ok_or_else(|| {
                    line_err(
                        i,
                        "vat_exemption_reason",
                        "VAT category E needs an exemption reason (or defaults.exemption_reason in the profile)",
                    )
                })?;
            exemption_reasons.entry(tax).or_insert(reason);
        }
        let unit_code = text(&l.unit_code).unwrap_or_else(|| profile.defaults.unit_code.clone());
        lines.push(Line {
            id: i + 1,
            quantity,
            unit_code,
            net_amount: amount,
            discount: (!discount.is_zero()).then_some(discount),
            price,
            base_quantity: l.base_quantity.filter(|b| *b != Decimal::ONE),
            name,
            sku: text(&l.sku),
            tax,
        });
        line_amounts.push(amount);
        line_discounts.push(discount);
    }

    // Document-level charges and allowances, with their VAT from the order or from the goods.
    let mut acs: Vec<AllowanceCharge> = Vec::new();
    let shipping = order
        .shipping
        .as_ref()
        .filter(|_| profile.shipping.invoiced)
        .filter(|s| s.amount.is_some_and(|a| !a.is_zero()));
    let sources = shipping
        .map(|s| {
            (
                "shipping",
                s,
                true,
                Some("FC"),
                profile.shipping.reason.as_str(),
            )
        })
        .into_iter()
        .chain(
            order
                .charges
                .iter()
                .map(|c| ("charges[]", c, true, None, "Charge")),
        )
        .chain(
            order
                .discounts
                .iter()
                .map(|d| ("discounts[]", d, false, Some("95"), "Discount")),
        );
    let mut charge_index = [0usize, 0];
    for (path, c, is_charge, code, default_reason) in sources {
        let path = if path.ends_with("[]") {
            let k = &mut charge_index[usize::from(!is_charge)];
            *k += 1;
            format!("{}[{}]", path.trim_end_matches("[]"), *k - 1)
        } else {
            path.to_owned()
        };
        push_charges(
            &mut acs,
            c,
            &path,
            is_charge,
            code,
            default_reason,
            &lines,
            profile,
        )?;
    }

    // Group by category and rate; convert gross to net where prices include VAT.
    let mut groups: BTreeMap<TaxCategory, Vec<Part>> = BTreeMap::new();
    for (i, l) in lines.iter().enumerate() {
        groups.entry(l.tax).or_default().push(Part::Line(i));
    }
    for (k, ac) in acs.iter().enumerate() {
        groups.entry(ac.tax).or_default().push(Part::Charge(k));
    }
    if groups.contains_key(&TaxCategory {
        code: VatCode::O,
        rate: Decimal::ZERO,
    }) && groups.len() > 1
    {
        return Err(err(
            "lines",
            "VAT category O (not subject to VAT) cannot be mixed with other categories on one invoice (BR-O-11); split the order",
        ));
    }
    let mut vat = Vec::with_capacity(groups.len());
    for (tax, parts) in &groups {
        let signed = |p: &Part, lines: &[Line], acs: &[AllowanceCharge]| match p {
            Part::Line(i) => lines[*i].net_amount,
            Part::Charge(k) if acs[*k].charge => acs[*k].amount,
            Part::Charge(k) => -acs[*k].amount,
        };
        let total: Decimal = parts.iter().map(|p| signed(p, &lines, &acs)).sum();
        if total.is_sign_negative() {
            return Err(err(
                "discounts",
                format!(
                    "order-level discounts exceed the goods in VAT category {} {}%; the totals cannot balance",
                    tax.code.as_str(),
                    tax.rate.normalize()
                ),
            ));
        }
        let (taxable, amount) = if gross {
            let factor = Decimal::ONE + tax.rate / Decimal::ONE_HUNDRED;
            let taxable = spread_net(parts, cents(total / factor), factor, &mut lines, &mut acs);
            (taxable, total - taxable)
        } else {
            (total, cents(total * tax.rate / Decimal::ONE_HUNDRED))
        };
        vat.push(VatSubtotal {
            tax: *tax,
            taxable,
            amount,
            exemption_reason: exemption_reasons.get(tax).cloned(),
            exemption_code: exemption_code(tax.code),
        });
    }
    if gross {
        for (l, discount) in lines.iter_mut().zip(&line_discounts) {
            let factor = Decimal::ONE + l.tax.rate / Decimal::ONE_HUNDRED;
            let net_discount = cents(*discount / factor);
            l.discount = (!net_discount.is_zero()).then_some(net_discount);
            let base = l.base_quantity.unwrap_or(Decimal::ONE);
            l.price = ((l.net_amount + net_discount) * base / l.quantity)
                .round_dp(6)
                .normalize();
        }
    }

    let line_total: Decimal = lines.iter().map(|l| l.net_amount).sum();
    let allowance_total: Decimal = acs.iter().filter(|a| !a.charge).map(|a| a.amount).sum();
    let charge_total: Decimal = acs.iter().filter(|a| a.charge).map(|a| a.amount).sum();
    let tax_exclusive = line_total - allowance_total + charge_total;
    let tax_total: Decimal = vat.iter().map(|v| v.amount).sum();
    let tax_inclusive = tax_exclusive + tax_total;
    let rounding = match order.charged_total {
        Some(charged) => rounding_amount(charged, tax_inclusive, lines.len() + acs.len())?,
        None => Decimal::ZERO,
    };
    let paid = order.payment.status == PaymentStatus::Paid;
    let prepaid = if paid {
        tax_inclusive + rounding
    } else {
        Decimal::ZERO
    };
    let totals = Totals {
        line_total,
        allowance_total,
        charge_total,
        tax_exclusive,
        tax: tax_total,
        tax_inclusive,
        prepaid,
        rounding,
        payable: tax_inclusive + rounding - prepaid,
    };

    let seller = seller_party(profile, &groups)?;
    let buyer = buyer_party(order, profile, &groups)?;
    let delivery = delivery(order, &groups, &buyer.address)?;
    let payment = payment(order, profile, kind, paid)?;
    Ok(Document {
        kind,
        order_id: order_id.to_owned(),
        refund_of: order.refund_of.as_ref().map(|r| r.trim().to_owned()),
        issue_date: order.order_date,
        currency,
        buyer_reference: text(&order.buyer_reference).unwrap_or_else(|| order_id.to_owned()),
        purchase_order: text(&order.purchase_order),
        note: text(&order.note),
        seller,
        buyer,
        delivery,
        payment,
        allowance_charges: acs,
        lines,
        vat,
        totals,
    })
}

/// Spreads a group's taxable amount over its parts in proportion to their gross amounts; returns the
/// group's final taxable amount (the target, or the sum of the converted charges when the group has no line).
fn spread_net(
    parts: &[Part],
    taxable: Decimal,
    factor: Decimal,
    lines: &mut [Line],
    acs: &mut [AllowanceCharge],
) -> Decimal {
    // Charges and allowances are converted on their own; the lines take up the rest.
    let mut for_lines = taxable;
    for p in parts {
        if let Part::Charge(k) = p {
            let net = cents(acs[*k].amount / factor);
            acs[*k].amount = net;
            for_lines += if acs[*k].charge { -net } else { net };
        }
    }
    let idx: Vec<usize> = parts
        .iter()
        .filter_map(|p| match p {
            Part::Line(i) => Some(*i),
            Part::Charge(_) => None,
        })
        .collect();
    if idx.is_empty() {
        return taxable - for_lines;
    }
    let weights: Vec<Decimal> = idx.iter().map(|&i| lines[i].net_amount).collect();
    let shares = if for_lines.is_sign_negative() {
        // Only possible when allowances outweigh the goods, which build() rejects before.
        weights.iter().map(|w| cents(*w / factor)).collect()
    } else {
        allocate(for_lines, &weights)
    };
    for (&i, share) in idx.iter().zip(shares) {
        lines[i].net_amount = share;
    }
    taxable
}

/// The rounding amount (BT-114) that brings the computed total with VAT to what the shop charged.
///
/// A shop that rounds VAT per line can differ from EN 16931's per-category rounding by up to half a cent per
/// line, charge and discount; one cent per part is allowed. Anything more means the export does not add up.
fn rounding_amount(
    charged: Decimal,
    computed: Decimal,
    parts: usize,
) -> Result<Decimal, OrderError> {
    check_money(charged).map_err(|m| err("charged_total", m))?;
    let difference = charged - computed;
    let tolerance = Decimal::new(parts as i64, 2);
    if difference.abs() > tolerance {
        return Err(err(
            "charged_total",
            format!(
                "the shop charged {charged} but the lines, charges and discounts come to {computed} with VAT; \
                 a difference of {difference} is more than VAT rounding per line (at most {tolerance} here), \
                 so the export does not add up"
            ),
        ));
    }
    Ok(difference)
}

/// The largest quantity, price or amount an order may state, so that no computation can overflow.
const LIMIT: Decimal = Decimal::from_parts(0xD4A5_1000, 0xE8, 0, false, 0); // 10^12

/// Refuses numbers beyond [`LIMIT`] or with more than 10 decimals.
fn check_magnitude(value: Decimal) -> Result<(), String> {
    if value.abs() >= LIMIT || value.normalize().scale() > 10 {
        return Err(format!(
            "{value} is out of range (at most 12 digits before and 10 after the decimal point)"
        ));
    }
    Ok(())
}

fn check_money(amount: Decimal) -> Result<(), String> {
    check_magnitude(amount)?;
    if amount.is_sign_negative() {
        return Err(format!("{amount} is negative"));
    }
    if amount.normalize().scale() > 2 {
        return Err(format!("{amount} has more than 2 decimals"));
    }
    Ok(())
}

fn tax_category(
    code: Option<&str>,
    rate: Option<Decimal>,
    profile: &Profile,
    path: &str,
) -> Result<TaxCategory, OrderError> {
    let (code_text, rate) = match code {
        Some(c) if !c.trim().is_empty() => (c.trim().to_owned(), rate),
        _ => (
            profile.defaults.vat_category.clone(),
            rate.or(Some(profile.defaults.vat_rate)),
        ),
    };
    let code = VatCode::parse(&code_text).ok_or_else(|| {
        err(
            format!("{path}vat_category"),
            format!("{code_text:?} is not a supported VAT category (S, Z, E, AE, K, G, O)"),
        )
    })?;
    let rate_field = format!("{path}vat_rate");
    let rate = match (code, rate) {
        (VatCode::S, None) => return Err(err(rate_field, "category S needs a VAT rate")),
        (VatCode::S, Some(r)) if r <= Decimal::ZERO || r >= Decimal::ONE_HUNDRED => {
            return Err(err(
                rate_field,
                format!("{r} is not a standard VAT rate (BR-S-05)"),
            ))
        }
        (VatCode::S, Some(r)) => r.normalize(),
        (_, Some(r)) if !r.is_zero() => {
            return Err(err(
                rate_field,
                format!("category {} has a VAT rate of 0, not {r}", code.as_str()),
            ))
        }
        _ => Decimal::ZERO,
    };
    Ok(TaxCategory { code, rate })
}

fn default_exemption(code: VatCode, profile: &Profile) -> Option<String> {
    Some(
        match code {
            VatCode::AE => "Reverse charge",
            VatCode::K => "Intra-community supply",
            VatCode::G => "Export outside the EU",
            VatCode::O => "Not subject to VAT",
            VatCode::E => return profile.defaults.exemption_reason.clone(),
            VatCode::S | VatCode::Z => return None,
        }
        .to_owned(),
    )
}

fn exemption_code(code: VatCode) -> Option<&'static str> {
    match code {
        VatCode::AE => Some("VATEX-EU-AE"),
        VatCode::K => Some("VATEX-EU-IC"),
        VatCode::G => Some("VATEX-EU-G"),
        VatCode::O => Some("VATEX-EU-O"),
        VatCode::S | VatCode::Z | VatCode::E => None,
    }
}

/// Adds one order-level charge or allowance, split over the goods' VAT categories where needed.
#[allow(clippy::too_many_arguments)]
fn push_charges(
    acs: &mut Vec<AllowanceCharge>,
    c: &RawCharge,
    path: &str,
    charge: bool,
    code: Option<&'static str>,
    default_reason: &str,
    lines: &[Line],
    profile: &Profile,
) -> Result<(), OrderError> {
    let amount = c
        .amount
        .ok_or_else(|| err(format!("{path}.amount"), "is missing"))?;
    check_money(amount).map_err(|m| err(format!("{path}.amount"), m))?;
    if amount.is_zero() {
        return Ok(());
    }
    let reason = text(&c.reason).unwrap_or_else(|| default_reason.to_owned());
    let mut push = |amount, tax| {
        acs.push(AllowanceCharge {
            charge,
            amount,
            reason: reason.clone(),
            reason_code: code,
            tax,
        })
    };
    if c.vat_category.is_some() {
        let tax = tax_category(
            c.vat_category.as_deref(),
            c.vat_rate,
            profile,
            &format!("{path}."),
        )?;
        if tax.code != VatCode::S && tax.code != VatCode::Z && !lines.iter().any(|l| l.tax == tax) {
            return Err(err(
                format!("{path}.vat_category"),
                "an exempt charge or allowance must share its VAT category with a line",
            ));
        }
        push(amount, tax);
        return Ok(());
    }
    // Follow the goods: weights per category and rate.
    let mut by_tax: BTreeMap<TaxCategory, Decimal> = BTreeMap::new();
    for l in lines {
        *by_tax.entry(l.tax).or_default() += l.net_amount;
    }
    match profile.shipping.vat {
        ShippingVat::MainRate => {
            let main = by_tax
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(a.0.rate.cmp(&b.0.rate)))
                .map(|(t, _)| *t)
                .expect("an order has lines");
            push(amount, main);
        }
        ShippingVat::ProRata => {
            let taxes: Vec<TaxCategory> = by_tax.keys().copied().collect();
            let weights: Vec<Decimal> = by_tax.values().copied().collect();
            for (tax, part) in taxes.into_iter().zip(allocate(amount, &weights)) {
                if !part.is_zero() {
                    push(part, tax);
                }
            }
        }
    }
    Ok(())
}

fn text(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

fn needs_vat_id(groups: &BTreeMap<TaxCategory, Vec<Part>>) -> bool {
    groups.keys().any(|t| t.code != VatCode::O)
}

fn seller_party(
    profile: &Profile,
    groups: &BTreeMap<TaxCategory, Vec<Part>>,
) -> Result<Party, OrderError> {
    let s = &profile.seller;
    let has_vat = needs_vat_id(groups);
    if has_vat && s.vat_id.is_none() {
        return Err(err(
            "profile: seller.vat_id",
            "the seller's VAT id is required for VAT categories other than O (BR-S-02 and siblings)",
        ));
    }
    if !has_vat && s.company_id.is_none() {
        return Err(err(
            "profile: seller.company_id",
            "an invoice outside the scope of VAT (category O) carries no VAT id, so the seller needs a company id (BR-CO-26)",
        ));
    }
    Ok(Party {
        endpoint_id: s.endpoint_id.clone(),
        endpoint_scheme: s.endpoint_scheme.clone(),
        trading_name: s.trading_name.clone(),
        name: s.name.clone(),
        vat_id: s.vat_id.clone().filter(|_| has_vat),
        company_id: s.company_id.clone(),
        company_id_scheme: s.company_id_scheme.clone(),
        legal_info: s.legal_info.clone(),
        address: Address {
            street: s.address.street.clone(),
            additional_street: s.address.additional_street.clone(),
            city: s.address.city.clone(),
            postal_code: s.address.postal_code.clone(),
            region: s.address.region.clone(),
            country: s.address.country.clone(),
        },
        contact: s.contact.as_ref().map(|c| Contact {
            name: c.name.clone(),
            phone: c.phone.clone(),
            email: c.email.clone(),
        }),
    })
}

fn address(a: &RawAddress, path: &str) -> Result<Address, OrderError> {
    let country = text(&a.country)
        .ok_or_else(|| {
            err(
                format!("{path}.country"),
                "is missing (ISO 3166-1 alpha-2, such as DE)",
            )
        })?
        .to_ascii_uppercase();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(err(
            format!("{path}.country"),
            format!("{country:?} is not an ISO 3166-1 alpha-2 country code"),
        ));
    }
    Ok(Address {
        street: text(&a.street),
        additional_street: text(&a.additional_street),
        city: text(&a.city),
        postal_code: text(&a.postal_code),
        region: text(&a.region),
        country,
    })
}

fn buyer_party(
    order: &RawOrder,
    profile: &Profile,
    groups: &BTreeMap<TaxCategory, Vec<Part>>,
) -> Result<Party, OrderError> {
    let b = &order.buyer;
    let company = text(&b.company);
    let person = text(&b.name);
    let name = company
        .clone()
        .or_else(|| person.clone())
        .ok_or_else(|| err("buyer.name", "the buyer needs a name or a company (BT-44)"))?;
    let (endpoint_id, endpoint_scheme) = match (text(&b.endpoint_id), text(&b.endpoint_scheme)) {
        (Some(id), Some(scheme)) => (id, scheme),
        (Some(_), None) => {
            return Err(err("buyer.endpoint_scheme", "an endpoint id needs its scheme (EAS code such as 0088)"))
        }
        (None, _) => match (
            b.buyer_type,
            &profile.buyers.consumer_endpoint_id,
            &profile.buyers.consumer_endpoint_scheme,
        ) {
            (BuyerType::Consumer, Some(id), Some(scheme)) => (id.clone(), scheme.clone()),
            _ => {
                return Err(err(
                    "buyer.endpoint_id",
                    "Peppol requires the buyer's electronic address (PEPPOL-EN16931-R010); give endpoint_id and \
                     endpoint_scheme, or for consumers set buyers.consumer_endpoint_id in the profile",
                ))
            }
        },
    };
    let vat_id = text(&b.vat_id).map(|v| v.replace(' ', "").to_ascii_uppercase());
    if let Some(v) = &vat_id {
        if v.len() < 3 || !v.as_bytes()[..2].iter().all(u8::is_ascii_uppercase) {
            return Err(err(
                "buyer.vat_id",
                format!("{v:?} must start with a country prefix such as DE (BR-CO-09)"),
            ));
        }
    }
    let company_id = text(&b.company_id);
    for (code, rule) in [(VatCode::AE, "BR-AE-02"), (VatCode::K, "BR-IC-02")] {
        let used = groups.keys().any(|t| t.code == code);
        let ok = vat_id.is_some() || (code == VatCode::AE && company_id.is_some());
        if used && !ok {
            return Err(err(
                "buyer.vat_id",
                format!(
                    "VAT category {} needs the buyer's VAT id ({rule})",
                    code.as_str()
                ),
            ));
        }
    }
    let has_vat = needs_vat_id(groups);
    let contact = (person.is_some() && company.is_some()) || b.email.is_some() || b.phone.is_some();
    Ok(Party {
        endpoint_id,
        endpoint_scheme,
        trading_name: None,
        name,
        vat_id: vat_id.filter(|_| has_vat),
        company_id,
        company_id_scheme: None,
        legal_info: None,
        address: address(&b.address, "buyer.address")?,
        contact: contact.then(|| Contact {
            name: person.filter(|_| company.is_some()),
            phone: text(&b.phone),
            email: text(&b.email),
        }),
    })
}

fn delivery(
    order: &RawOrder,
    groups: &BTreeMap<TaxCategory, Vec<Part>>,
    buyer_address: &Address,
) -> Result<Option<Delivery>, OrderError> {
    let intra = groups.keys().any(|t| t.code == VatCode::K);
    let given = order.delivery.as_ref();
    let address = match given.and_then(|d| d.address.as_ref()) {
        Some(a) => Some(address(a, "delivery.address")?),
        None if intra => Some(buyer_address.clone()),
        None => None,
    };
    let date = given
        .and_then(|d| d.date)
        .or(intra.then_some(order.order_date));
    let name = given.and_then(|d| text(&d.name));
    Ok(
        (address.is_some() || date.is_some() || name.is_some()).then_some(Delivery {
            name,
            date,
            address,
        }),
    )
}

fn payment(
    order: &RawOrder,
    profile: &Profile,
    kind: DocKind,
    paid: bool,
) -> Result<Payment, OrderError> {
    let p = &profile.payment;
    let mut terms = p
        .terms_text
        .clone()
        .unwrap_or_else(|| format!("Payment within {} days of the invoice date.", p.terms_days));
    if let Some(early) = &p.early_payment_text {
        terms = format!("{terms} {early}");
    }
    let payment_id =
        text(&order.payment.reference).unwrap_or_else(|| order.order_id.trim().to_owned());
    if kind == DocKind::CreditNote {
        let terms = if paid {
            "Refunded to the original means of payment.".to_owned()
        } else {
            "The amount will be refunded to the original means of payment.".to_owned()
        };
        // Payment instructions (BG-16) are kept on credit notes too: German sellers must give them in every
        // document (DE-R-001). The refund goes back the way the order was paid, which the export does not say,
        // so the means is "1" (instrument not defined): no account (BR-61) or card (DE-R-024) is claimed.
        return Ok(Payment {
            means_code: REFUND_MEANS.to_owned(),
            payment_id,
            iban: None,
            account_name: None,
            bic: None,
            terms,
            due_date: None,
        });
    }
    let means = text(&order.payment.means).unwrap_or_else(|| {
        if paid {
            p.paid_means.clone()
        } else {
            p.means.clone()
        }
    });
    let credit_transfer = matches!(means.as_str(), "30" | "58");
    let bank = profile.seller.bank.as_ref();
    if credit_transfer && bank.is_none() {
        return Err(err(
            "profile: seller.bank",
            format!("payment means {means} (credit transfer) needs the seller's IBAN (BR-61)"),
        ));
    }
    if paid {
        terms = format!("Paid with thanks (payment reference {payment_id}).");
    }
    Ok(Payment {
        means_code: means,
        payment_id,
        iban: bank
            .filter(|_| credit_transfer)
            .map(|b| b.iban.replace(' ', "")),
        account_name: bank
            .filter(|_| credit_transfer)
            .and_then(|b| b.account_name.clone()),
        bic: bank.filter(|_| credit_transfer).and_then(|b| b.bic.clone()),
        terms,
        due_date: (!paid).then(|| order.order_date + chrono::Days::new(u64::from(p.terms_days))),
    })
}

/// UNCL 4461 code of a credit note's payment means: instrument not defined.
const REFUND_MEANS: &str = "1";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_ten_to_the_twelfth() {
        assert_eq!(LIMIT, Decimal::from(1_000_000_000_000u64));
        assert!(check_magnitude(Decimal::from(999_999_999_999u64)).is_ok());
        assert!(check_magnitude(LIMIT).is_err());
        assert!(check_magnitude("0.00000000001".parse().unwrap()).is_err());
        assert!(check_money("1.005".parse().unwrap()).is_err());
    }
}
