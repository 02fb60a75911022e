//! The Distributor packages pane: the documents of type Package of the scopes shown, in
//! the documents table. `i`/`u` install or remove the package selected through
//! AWS-ConfigureAWSPackage, on the nodes selected or marked in the nodes pane.

use super::documents::{DocumentKind, DocumentTable};
use crate::model::DocumentSummary;

/// The documents of type Package.
#[derive(Debug)]
pub struct Packages;

impl DocumentKind for Packages {
    const TITLE: &'static str = "Packages";
    const ALIASES: &'static [&'static str] = &["packages", "package", "distributor", "pkg"];
    fn lists(d: &DocumentSummary) -> bool {
        d.document_type == "Package"
    }
}

/// State of the packages pane.
pub type PackagesView = DocumentTable<Packages>;
