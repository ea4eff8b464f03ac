//! stub
use super::ExportResult;
use crate::model::Node;
/// stub
pub fn pdf(_doc: &Node, _title: &str) -> ExportResult<Vec<u8>> {
    Ok(Vec::new())
}
