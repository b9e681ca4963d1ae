//! The business document: what an invoice or credit note says, with every total computed.
//!
//! This module knows no XML, CSV or file system. Money is [`Decimal`]; totals and the VAT breakdown are always
//! computed from the lines and document-level allowances and charges, never copied from input.

mod build;
mod codes;
mod money;

pub use build::{build, OrderError};
pub use codes::is_currency;

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Invoice (UBL `Invoice`, type code 380) or credit note (UBL `CreditNote`, type code 381).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    /// A sale.
    Invoice,
    /// A refund of an earlier invoice.
    CreditNote,
}

impl DocKind {
    /// The name used in the store and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Invoice => "invoice",
            DocKind::CreditNote => "credit-note",
        }
    }
}

/// VAT category code (UNCL 5305 subset of EN 16931).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VatCode {
    /// Standard rate.
    S,
    /// Zero rated goods.
    Z,
    /// Exempt from VAT.
    E,
    /// VAT reverse charge.
    AE,
    /// Intra-community supply (VAT exempt for EEA intra-community supply of goods and services).
    K,
    /// Free export item, VAT not charged (export outside the EU).
    G,
    /// Services outside scope of tax.
    O,
}

impl VatCode {
    /// Parses a category code.
    pub fn parse(code: &str) -> Option<VatCode> {
        Some(match code.trim().to_ascii_uppercase().as_str() {
            "S" => VatCode::S,
            "Z" => VatCode::Z,
            "E" => VatCode::E,
            "AE" => VatCode::AE,
            "K" => VatCode::K,
            "G" => VatCode::G,
            "O" => VatCode::O,
            _ => return None,
        })
    }

    /// The UNCL 5305 code.
    pub fn as_str(self) -> &'static str {
        match self {
            VatCode::S => "S",
            VatCode::Z => "Z",
            VatCode::E => "E",
            VatCode::AE => "AE",
            VatCode::K => "K",
            VatCode::G => "G",
            VatCode::O => "O",
        }
    }
}

/// A VAT category with its rate (the rate is 0 for every category but `S`; `O` writes no rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaxCategory {
    /// The category code.
    pub code: VatCode,
    /// The rate in percent.
    pub rate: Decimal,
}

/// A postal address (BG-5, BG-8, BG-15).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    /// Street.
    pub street: Option<String>,
    /// Additional street line.
    pub additional_street: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

/// A contact point (BG-6, BG-9).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    /// Name.
    pub name: Option<String>,
    /// Telephone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
}

/// Seller (BG-4) or buyer (BG-7).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Party {
    /// Electronic address (BT-34 / BT-49).
    pub endpoint_id: String,
    /// Its EAS scheme.
    pub endpoint_scheme: String,
    /// Trading name (BT-28 / BT-45).
    pub trading_name: Option<String>,
    /// Legal registration name (BT-27 / BT-44).
    pub name: String,
    /// VAT identifier (BT-31 / BT-48).
    pub vat_id: Option<String>,
    /// Legal registration identifier (BT-30 / BT-47).
    pub company_id: Option<String>,
    /// Scheme of the legal registration identifier.
    pub company_id_scheme: Option<String>,
    /// Additional legal information (BT-33, seller only).
    pub legal_info: Option<String>,
    /// Postal address.
    pub address: Address,
    /// Contact.
    pub contact: Option<Contact>,
}

/// Delivery information (BG-13).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Deliver-to party name (BT-70).
    pub name: Option<String>,
    /// Actual delivery date (BT-72).
    pub date: Option<NaiveDate>,
    /// Deliver-to address (BG-15).
    pub address: Option<Address>,
}

/// Payment instructions and terms (BG-16, BT-9, BT-20).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// UNCL 4461 payment means code (BT-81).
    pub means_code: String,
    /// Remittance information (BT-83).
    pub payment_id: String,
    /// Seller's IBAN (BT-84), for credit transfers.
    pub iban: Option<String>,
    /// Account name (BT-85).
    pub account_name: Option<String>,
    /// BIC (BT-86).
    pub bic: Option<String>,
    /// Payment terms text (BT-20), including early-payment terms.
    pub terms: String,
    /// Due date (BT-9) of unpaid invoices.
    pub due_date: Option<NaiveDate>,
}

/// A document-level allowance (BG-20) or charge (BG-21).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowanceCharge {
    /// True for a charge, false for an allowance.
    pub charge: bool,
    /// Net amount (BT-92 / BT-99).
    pub amount: Decimal,
    /// Reason text (BT-97 / BT-104).
    pub reason: String,
    /// Reason code (UNCL 5189 for allowances, UNCL 7161 for charges).
    pub reason_code: Option<&'static str>,
    /// VAT category (BT-95 / BT-102).
    pub tax: TaxCategory,
}

/// An invoice or credit note line (BG-25).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Line id (BT-126), 1-based.
    pub id: usize,
    /// Quantity (BT-129).
    pub quantity: Decimal,
    /// Unit code (BT-130).
    pub unit_code: String,
    /// Line net amount (BT-131).
    pub net_amount: Decimal,
    /// Line allowance (BT-136), when the line carries a discount.
    pub discount: Option<Decimal>,
    /// Item net price (BT-146).
    pub price: Decimal,
    /// Item price base quantity (BT-149), when not 1.
    pub base_quantity: Option<Decimal>,
    /// Item name (BT-153).
    pub name: String,
    /// Seller's item id (BT-155).
    pub sku: Option<String>,
    /// VAT category and rate (BT-151, BT-152).
    pub tax: TaxCategory,
}

/// One VAT breakdown entry (BG-23).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VatSubtotal {
    /// Category and rate (BT-118, BT-119).
    pub tax: TaxCategory,
    /// Taxable amount (BT-116).
    pub taxable: Decimal,
    /// Tax amount (BT-117).
    pub amount: Decimal,
    /// Exemption reason text (BT-120).
    pub exemption_reason: Option<String>,
    /// Exemption reason code (BT-121, VATEX).
    pub exemption_code: Option<&'static str>,
}

/// Document totals (BG-22).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    /// Sum of line net amounts (BT-106).
    pub line_total: Decimal,
    /// Sum of allowances on document level (BT-107).
    pub allowance_total: Decimal,
    /// Sum of charges on document level (BT-108).
    pub charge_total: Decimal,
    /// Total without VAT (BT-109).
    pub tax_exclusive: Decimal,
    /// Total VAT (BT-110).
    pub tax: Decimal,
    /// Total with VAT (BT-112).
    pub tax_inclusive: Decimal,
    /// Paid amount (BT-113).
    pub prepaid: Decimal,
    /// Rounding amount (BT-114): what the shop charged minus the computed total with VAT, usually 0.
    pub rounding: Decimal,
    /// Amount due for payment (BT-115).
    pub payable: Decimal,
}

/// A complete invoice or credit note, except its number, which numbering assigns at commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Invoice or credit note.
    pub kind: DocKind,
    /// The shop's order (or refund) id, the sales order reference (BT-14).
    pub order_id: String,
    /// For a credit note: the order id of the invoice it corrects.
    pub refund_of: Option<String>,
    /// Issue date (BT-2).
    pub issue_date: NaiveDate,
    /// Document currency (BT-5).
    pub currency: String,
    /// Buyer reference (BT-10).
    pub buyer_reference: String,
    /// Purchase order reference (BT-13).
    pub purchase_order: Option<String>,
    /// Note (BT-22).
    pub note: Option<String>,
    /// Seller.
    pub seller: Party,
    /// Buyer.
    pub buyer: Party,
    /// Delivery.
    pub delivery: Option<Delivery>,
    /// Payment.
    pub payment: Payment,
    /// Document-level allowances and charges.
    pub allowance_charges: Vec<AllowanceCharge>,
    /// Lines.
    pub lines: Vec<Line>,
    /// VAT breakdown, one entry per category and rate.
    pub vat: Vec<VatSubtotal>,
    /// Totals.
    pub totals: Totals,
}

/// What numbering fixes on a document at commit time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Numbered<'a> {
    /// Invoice number (BT-1).
    pub number: &'a str,
    /// For a credit note: the preceding invoice (BT-25) and its issue date (BT-26).
    pub preceding: Option<(&'a str, NaiveDate)>,
}
