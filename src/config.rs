//! The seller profile: who issues the documents and how (TOML, every key documented in the README).
//!
//! Unknown keys are rejected so that a typo never silently falls back to a default.

use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Errors reading a seller profile.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The profile file could not be read.
    #[error("{path}: cannot read the profile: {source}")]
    Read {
        /// The profile path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The profile is not valid TOML or has unknown / missing keys.
    #[error("{path}: {message}")]
    Parse {
        /// The profile path.
        path: PathBuf,
        /// What is wrong, with line and column.
        message: String,
    },
    /// A key has a value that cannot work.
    #[error("{path}: {key}: {message}")]
    Invalid {
        /// The profile path.
        path: PathBuf,
        /// The offending key.
        key: &'static str,
        /// Why it cannot work.
        message: String,
    },
}

/// The whole seller profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The seller party (BG-4).
    pub seller: Seller,
    /// Defaults for what an order does not say.
    #[serde(default)]
    pub defaults: Defaults,
    /// Payment terms and accepted means.
    #[serde(default)]
    pub payment: Payment,
    /// Numbering series for invoices and credit notes.
    #[serde(default)]
    pub numbering: Numbering,
    /// How shipping and order-level discounts are invoiced.
    #[serde(default)]
    pub shipping: Shipping,
    /// Fallbacks for buyers.
    #[serde(default)]
    pub buyers: Buyers,
    /// What shop exports (Shopify, WooCommerce) do not say.
    #[serde(default)]
    pub shops: Shops,
    /// Folders and timing of `ublflow watch`.
    #[serde(default)]
    pub watch: Watch,
    /// Delivery: routing, retries, e-mail and portal (none: archive only).
    #[serde(default)]
    pub delivery: crate::send::settings::Delivery,
}

/// Folders and timing of `ublflow watch`; relative folders are relative to the profile file's folder.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Watch {
    /// Where order exports are dropped.
    pub inbox: PathBuf,
    /// Where a file is moved while it is converted (a crash leaves it there, and it is redone on start).
    pub work: PathBuf,
    /// Output folder: the archive and the store.
    pub out: PathBuf,
    /// Where inputs go once every order in them is archived.
    pub done: PathBuf,
    /// Where inputs with rejected orders go, each with a `.error.json` report beside it.
    pub failed: PathBuf,
    /// Poll the inbox every this many seconds instead of waiting for file-system events (0: events).
    pub poll_seconds: f64,
    /// A file written in place is taken once it has not changed for this many milliseconds.
    pub settle_ms: u64,
}

impl Default for Watch {
    fn default() -> Self {
        Watch {
            inbox: "inbox".into(),
            work: "work".into(),
            out: "out".into(),
            done: "done".into(),
            failed: "failed".into(),
            poll_seconds: 0.0,
            settle_ms: 1000,
        }
    }
}

/// The seller party (BG-4).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seller {
    /// Legal registration name (BT-27).
    pub name: String,
    /// Trading name (BT-28), when it differs from the legal name.
    pub trading_name: Option<String>,
    /// VAT identifier with country prefix (BT-31).
    pub vat_id: Option<String>,
    /// Legal registration identifier (BT-30).
    pub company_id: Option<String>,
    /// Scheme of the legal registration identifier (ISO 6523 ICD, such as `0007`).
    pub company_id_scheme: Option<String>,
    /// Additional legal information, such as share capital (BT-33).
    pub legal_info: Option<String>,
    /// Peppol electronic address (BT-34).
    pub endpoint_id: String,
    /// Scheme of the electronic address (EAS code, such as `0088` or `0007`).
    pub endpoint_scheme: String,
    /// Postal address (BG-5).
    pub address: Address,
    /// Contact (BG-6).
    pub contact: Option<Contact>,
    /// Bank account for credit transfers (BG-17).
    pub bank: Option<Bank>,
}

/// A postal address.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street and number (BT-35).
    pub street: Option<String>,
    /// Additional street line (BT-36).
    pub additional_street: Option<String>,
    /// City (BT-37).
    pub city: Option<String>,
    /// Postal code (BT-38).
    pub postal_code: Option<String>,
    /// Region or county (BT-39).
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2 country code (BT-40).
    pub country: String,
}

/// Seller contact (BG-6).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Contact point name (BT-41).
    pub name: Option<String>,
    /// Telephone (BT-42).
    pub phone: Option<String>,
    /// E-mail (BT-43).
    pub email: Option<String>,
}

/// The seller's bank account (BG-17).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bank {
    /// IBAN (BT-84).
    pub iban: String,
    /// BIC (BT-86).
    pub bic: Option<String>,
    /// Account name (BT-85).
    pub account_name: Option<String>,
}

/// Defaults for what an order does not say.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Defaults {
    /// ISO 4217 currency of orders that name none.
    pub currency: String,
    /// VAT category code (UNCL 5305) of lines that name none.
    pub vat_category: String,
    /// VAT rate in percent of lines that name none.
    pub vat_rate: Decimal,
    /// UN/ECE Rec 20 unit code of lines that name none.
    pub unit_code: String,
    /// Exemption reason text for VAT category `E` lines that give none.
    pub exemption_reason: Option<String>,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            currency: "EUR".into(),
            vat_category: "S".into(),
            vat_rate: Decimal::new(21, 0),
            unit_code: "C62".into(),
            exemption_reason: None,
        }
    }
}

/// Payment terms and accepted means.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Payment {
    /// Days from the issue date to the due date of unpaid orders.
    pub terms_days: u32,
    /// Payment terms text (BT-20), such as "Net 30 days".
    pub terms_text: Option<String>,
    /// Early-payment discount terms, appended to the payment terms.
    pub early_payment_text: Option<String>,
    /// Payment means code (UNCL 4461) for unpaid orders, such as `30` credit transfer or `58` SEPA.
    pub means: String,
    /// Payment means code for orders already paid at checkout, such as `48` card or `68` online service.
    pub paid_means: String,
}

impl Default for Payment {
    fn default() -> Self {
        Payment {
            terms_days: 30,
            terms_text: None,
            early_payment_text: None,
            means: "30".into(),
            paid_means: "48".into(),
        }
    }
}

/// Numbering series (BT-1).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Numbering {
    /// Pattern of invoice numbers: `{yyyy}`, `{yy}`, `{mm}` from the issue date and `{seq}` or `{seq:0N}`.
    pub invoice: String,
    /// Pattern of credit note numbers, a series of its own.
    pub credit_note: String,
}

impl Default for Numbering {
    fn default() -> Self {
        Numbering {
            invoice: "INV-{yyyy}-{seq:06}".into(),
            credit_note: "CN-{yyyy}-{seq:06}".into(),
        }
    }
}

/// How shipping and order-level discounts are invoiced.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Shipping {
    /// Whether shipping is put on the invoice at all (false when a carrier bills it separately).
    pub invoiced: bool,
    /// VAT of shipping and order discounts when lines carry several rates.
    pub vat: ShippingVat,
    /// Reason text of the shipping charge (BT-104).
    pub reason: String,
}

impl Default for Shipping {
    fn default() -> Self {
        Shipping {
            invoiced: true,
            vat: ShippingVat::MainRate,
            reason: "Shipping".into(),
        }
    }
}

/// VAT treatment of shipping and order-level discounts on orders with several VAT rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShippingVat {
    /// Follow the rate that carries the largest share of the goods.
    MainRate,
    /// Split pro rata over the goods' categories and rates.
    ProRata,
}

/// Fallbacks for buyers.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Buyers {
    /// Electronic address for consumers without a Peppol address (BT-49; Peppol requires one).
    pub consumer_endpoint_id: Option<String>,
    /// Scheme of `consumer_endpoint_id`.
    pub consumer_endpoint_scheme: Option<String>,
}

/// What shop exports (Shopify CSV, WooCommerce JSON) do not say, for their readers.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Shops {
    /// VAT category and rate by SKU; it wins over what the export suggests.
    pub skus: BTreeMap<String, SkuVat>,
    /// VAT category (`Z`, `E`, `AE`, `K`, `G` or `O`) of lines, shipping and fees on which the shop charged no
    /// VAT (and that have no `skus` entry); without it such orders are rejected.
    pub untaxed_vat_category: Option<String>,
    /// Exemption reason text (BT-120) for `untaxed_vat_category`.
    pub untaxed_exemption_reason: Option<String>,
    /// Keys holding the buyer's VAT id: WooCommerce `meta_data` keys, Shopify note attribute names; the first
    /// one present wins.
    pub vat_id_keys: Vec<String>,
    /// Keys holding the buyer's Peppol electronic address as `scheme:id` (such as `0088:4006381333931`).
    pub endpoint_keys: Vec<String>,
    /// Shopify: whether the store's prices include tax; when absent it is read from each order's totals.
    pub shopify_prices_include_tax: Option<bool>,
}

impl Default for Shops {
    fn default() -> Self {
        Shops {
            skus: BTreeMap::new(),
            untaxed_vat_category: None,
            untaxed_exemption_reason: None,
            vat_id_keys: [
                "vat_number",
                "_billing_vat_number",
                "_vat_number",
                "VAT number",
            ]
            .map(String::from)
            .to_vec(),
            endpoint_keys: ["peppol_id", "_peppol_id"].map(String::from).to_vec(),
            shopify_prices_include_tax: None,
        }
    }
}

/// The VAT of one SKU.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkuVat {
    /// VAT category code (UNCL 5305): S, Z, E, AE, K, G or O.
    pub vat_category: String,
    /// VAT rate in percent (category S); 0 or absent otherwise.
    pub vat_rate: Option<Decimal>,
}

impl Profile {
    /// Reads and checks a profile file.
    pub fn load(path: &Path) -> Result<Profile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Profile::parse(&text, path)
    }

    /// Parses and checks profile text; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Profile, ConfigError> {
        let profile: Profile = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string().trim_end().replace('\n', " "),
        })?;
        let invalid = |key, message: String| ConfigError::Invalid {
            path: path.to_owned(),
            key,
            message,
        };
        for (key, pattern) in [
            ("numbering.invoice", &profile.numbering.invoice),
            ("numbering.credit_note", &profile.numbering.credit_note),
        ] {
            crate::numbering::Pattern::parse(pattern).map_err(|m| invalid(key, m))?;
        }
        if profile.numbering.invoice == profile.numbering.credit_note {
            return Err(invalid(
                "numbering.credit_note",
                "credit notes need a series of their own, different from numbering.invoice".into(),
            ));
        }
        if profile.buyers.consumer_endpoint_id.is_some()
            != profile.buyers.consumer_endpoint_scheme.is_some()
        {
            return Err(invalid(
                "buyers.consumer_endpoint_scheme",
                "consumer_endpoint_id and consumer_endpoint_scheme go together".into(),
            ));
        }
        const CATEGORIES: [&str; 7] = ["S", "Z", "E", "AE", "K", "G", "O"];
        if let Some(c) = &profile.shops.untaxed_vat_category {
            if c == "S" || !CATEGORIES.contains(&c.as_str()) {
                return Err(invalid(
                    "shops.untaxed_vat_category",
                    format!("{c:?} is not one of Z, E, AE, K, G, O"),
                ));
            }
        }
        for (sku, vat) in &profile.shops.skus {
            if !CATEGORIES.contains(&vat.vat_category.as_str()) {
                return Err(invalid(
                    "shops.skus",
                    format!(
                        "SKU {sku:?}: {:?} is not one of S, Z, E, AE, K, G, O",
                        vat.vat_category
                    ),
                ));
            }
        }
        profile
            .delivery
            .check()
            .map_err(|(key, message)| invalid(key, message))?;
        if profile.seller.vat_id.is_none() && profile.seller.company_id.is_none() {
            return Err(invalid(
                "seller.vat_id",
                "the seller needs a VAT id or a company id (BR-CO-26)".into(),
            ));
        }
        Ok(profile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        [seller]
        name = "Shop"
        vat_id = "ATU12345675"
        endpoint_id = "9012345000004"
        endpoint_scheme = "0088"
        [seller.address]
        country = "AT"
    "#;

    #[test]
    fn a_minimal_profile_takes_documented_defaults() {
        let p = Profile::parse(MINIMAL, Path::new("p.toml")).unwrap();
        assert_eq!(p.payment.terms_days, 30);
        assert_eq!(p.payment.means, "30");
        assert_eq!(p.numbering.invoice, "INV-{yyyy}-{seq:06}");
        assert_eq!(p.defaults.currency, "EUR");
        assert!(p.shipping.invoiced);
    }

    #[test]
    fn a_partial_section_keeps_the_other_defaults() {
        let text =
            format!("{MINIMAL}\n[payment]\nterms_days = 10\n[shipping]\nvat = \"pro-rata\"\n");
        let p = Profile::parse(&text, Path::new("p.toml")).unwrap();
        assert_eq!(p.payment.terms_days, 10);
        assert_eq!(p.payment.paid_means, "48");
        assert_eq!(p.shipping.vat, ShippingVat::ProRata);
        assert_eq!(p.shipping.reason, "Shipping");
    }

    #[test]
    fn the_shops_section_is_checked() {
        let p = Profile::parse(MINIMAL, Path::new("p.toml")).unwrap();
        assert!(p.shops.skus.is_empty() && p.shops.untaxed_vat_category.is_none());
        assert_eq!(p.shops.endpoint_keys, ["peppol_id", "_peppol_id"]);
        let text = format!(
            "{MINIMAL}\n[shops]\nuntaxed_vat_category = \"K\"\n[shops.skus]\nBOOK = {{ vat_category = \"S\", vat_rate = 10 }}\n"
        );
        let p = Profile::parse(&text, Path::new("p.toml")).unwrap();
        assert_eq!(p.shops.skus["BOOK"].vat_rate, Some(Decimal::TEN));
        for bad in [
            "[shops]\nuntaxed_vat_category = \"S\"\n",
            "[shops.skus]\nBOOK = { vat_category = \"X\" }\n",
            "[shops]\nvat_id_key = \"x\"\n",
        ] {
            let e = Profile::parse(&format!("{MINIMAL}\n{bad}"), Path::new("p.toml"));
            assert!(e.is_err(), "{bad}");
        }
    }

    #[test]
    fn typos_and_impossible_values_are_refused() {
        let typo = format!("{MINIMAL}\n[payment]\nterm_days = 10\n");
        let e = Profile::parse(&typo, Path::new("p.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `term_days`"), "{e}");
        let same = format!(
            "{MINIMAL}\n[numbering]\ninvoice = \"N-{{seq}}\"\ncredit_note = \"N-{{seq}}\"\n"
        );
        let e = Profile::parse(&same, Path::new("p.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("numbering.credit_note"), "{e}");
    }

    #[test]
    fn delivery_settings_are_checked_on_load() {
        let refused = |extra: &str| {
            let text = format!("{MINIMAL}\n{extra}");
            Profile::parse(&text, Path::new("p.toml"))
                .unwrap_err()
                .to_string()
        };
        let e = refused("[delivery]\ngovernment = \"email\"\n");
        assert!(e.contains("delivery.email: a route uses email"), "{e}");
        let e = refused(
            "[delivery]\ndefault = \"email\"\n[delivery.email]\nhost = \"h\"\nfrom = \"a@b.example\"\n\
             subject = \"{number} {total}\"\n",
        );
        assert!(
            e.contains("delivery.email.subject: unknown placeholder {total}"),
            "{e}"
        );
        let e = refused(
            "[[delivery.rules]]\nvat_id = \"AT1\"\nemail = \"a@b.example\"\nchannel = \"none\"\n",
        );
        assert!(
            e.contains("exactly one of vat_id, endpoint_id or email"),
            "{e}"
        );
        let e = refused(
            "[delivery]\ndefault = \"portal\"\n[delivery.portal]\nurl = \"https://p.example\"\nauth = \"bearer\"\n",
        );
        assert!(
            e.contains("bearer auth needs token_env or token_file"),
            "{e}"
        );
        let plain_login = |host: &str| {
            format!(
                "[delivery]\ndefault = \"email\"\n[delivery.email]\nhost = \"{host}\"\nsecurity = \"plain\"\n\
                 username = \"u\"\npassword_env = \"P\"\nfrom = \"a@b.example\"\n"
            )
        };
        let e = refused(&plain_login("smtp.example.net"));
        assert!(
            e.contains(
                "delivery.email.security: with a username, the password would cross the network"
            ),
            "{e}"
        );
        for local in ["127.0.0.1", "localhost", "::1"] {
            let text = format!("{MINIMAL}\n{}", plain_login(local));
            assert!(
                Profile::parse(&text, Path::new("p.toml")).is_ok(),
                "{local}"
            );
        }
        let e = refused(
            "[delivery]\ndefault = \"portal\"\n[delivery.portal]\nurl = \"http://p.example\"\nca_file = \"ca.pem\"\n",
        );
        assert!(
            e.contains("delivery.portal.ca_file: is only used with an https:// url"),
            "{e}"
        );
        let e = refused("[delivery]\ndefault = \"fax\"\n");
        assert!(e.contains("unknown variant `fax`"), "{e}");
        let ok = format!(
            "{MINIMAL}\n[delivery]\ndefault = \"portal\"\n[delivery.portal]\nurl = \"https://p.example\"\n"
        );
        let p = Profile::parse(&ok, Path::new("p.toml")).unwrap();
        assert_eq!(p.delivery.retry.max_attempts, 12);
        assert!(!p.delivery.fsync_each_record);
    }
}
