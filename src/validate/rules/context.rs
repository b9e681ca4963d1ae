//! The document-wide variables of the Peppol rules (`$profile`, `$supplierCountry`, ...),
//! computed once per document.

use crate::validate::dom::Node;
use crate::validate::name::{name, steps, Name};

use crate::validate::value::normalize_space;
use crate::validate::xml::{cacs, cbc, cbcs, first, path, string_value};

/// Countries and profile of a document, as the Peppol rules derive them.
pub(crate) struct Countries {
    /// `$profile`: the process number of the ProfileID, or `Unknown`.
    pub profile: String,
    /// `$supplierCountry`: from the seller VAT id, else the tax representative's, else the
    /// seller address; `XX` when none.
    pub supplier: String,
    /// `$customerCountry`: from the buyer VAT id, else the buyer address; `XX` when none.
    pub customer: String,
    /// `$accountingSupplierCountry` (Greek rules): like `supplier` without the representative.
    pub accounting_supplier: String,
    /// `$supplierCountryIsDE`: the seller address country is DE.
    pub supplier_is_de: bool,
    /// `$customerCountryIsDE`: the buyer address country is DE.
    pub customer_is_de: bool,
    /// The seller address country code exactly as written (`concat(...)` of the DK/IS rules).
    pub supplier_address: String,
    /// The buyer address country code exactly as written.
    pub customer_address: String,
}

/// `party/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'VAT']/substring(cbc:CompanyID, 1, 2)`,
/// used as a condition: the first such prefix when it is not empty.
fn vat_prefix(parties: &[Node]) -> Option<String> {
    let scheme = parties
        .iter()
        .flat_map(|p| cacs!(*p, "PartyTaxScheme"))
        .find(|s| {
            cacs!(*s, "TaxScheme")
                .flat_map(|t| cbcs!(t, "ID"))
                .any(|i| string_value(i) == "VAT")
        })?;
    let prefix: String = cbc!(scheme, "CompanyID")
        .map(|c| string_value(c).chars().take(2).collect())
        .unwrap_or_default();
    Some(prefix)
        .filter(|p| !p.is_empty())
        .map(|p| normalize_space(&p).to_uppercase())
}

fn address_country<'a, 'i>(root: Node<'a, 'i>, party: Name) -> Option<Node<'a, 'i>> {
    first(
        root,
        &[
            party,
            name!("cac:Party"),
            name!("cac:PostalAddress"),
            name!("cac:Country"),
            name!("cbc:IdentificationCode"),
        ],
    )
}

impl Countries {
    /// Computes the variables for the document whose root element is `root`.
    pub(crate) fn of(root: Node) -> Self {
        let sellers = path(root, steps!["cac:AccountingSupplierParty", "cac:Party"]);
        let buyers = path(root, steps!["cac:AccountingCustomerParty", "cac:Party"]);
        let reps = path(root, steps!["cac:TaxRepresentativeParty"]);
        let seller_country = address_country(root, name!("cac:AccountingSupplierParty"));
        let buyer_country = address_country(root, name!("cac:AccountingCustomerParty"));
        let upper = |n: Option<Node>| n.map(|c| normalize_space(&string_value(c)).to_uppercase());
        let seller_address = upper(seller_country);
        let buyer_address = upper(buyer_country);
        let raw = |n: Option<Node>| n.map(|c| string_value(c).into_owned()).unwrap_or_default();
        let seller_vat = vat_prefix(&sellers);
        let accounting_supplier = seller_vat
            .clone()
            .or_else(|| seller_address.clone())
            .unwrap_or_else(|| "XX".into());
        Countries {
            profile: super::peppol::profile(root),
            supplier: seller_vat
                .or_else(|| vat_prefix(&reps))
                .or_else(|| seller_address.clone())
                .unwrap_or_else(|| "XX".into()),
            customer: vat_prefix(&buyers)
                .or_else(|| buyer_address.clone())
                .unwrap_or_else(|| "XX".into()),
            accounting_supplier,
            supplier_is_de: seller_address.as_deref() == Some("DE"),
            customer_is_de: buyer_address.as_deref() == Some("DE"),
            supplier_address: raw(seller_country),
            customer_address: raw(buyer_country),
        }
    }
}
