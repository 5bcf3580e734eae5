//! Extraction of the equality tests of a pattern, for indexing indicators by the values they
//! look for (`ipv4-addr:value = '1.2.3.4'`, `file:hashes.'SHA-256' = '...'`, ...).

use crate::ast::{ComparisonExpr, ComparisonOp, Literal, ObjectPath, ObservationKind, Pattern};

/// One `type:path = literal` test found in a pattern (from `=`, `NOT !=`, or one member of
/// `IN (...)`).
#[derive(Debug, Clone, PartialEq)]
pub struct Observable {
    /// The object type, e.g. `ipv4-addr`.
    pub object_type: String,
    /// The property path after the `:`, in pattern syntax: `value`, `hashes.'SHA-256'`,
    /// `resolves_to_refs[*].value`.
    pub property_path: String,
    /// The value compared with.
    pub value: Literal,
}

impl ObjectPath {
    /// The steps after the `:` in pattern syntax, quoting names that need it.
    pub fn property_path(&self) -> String {
        let mut out = String::new();
        for (index, step) in self.steps.iter().enumerate() {
            crate::print::write_step(&mut out, index, step);
        }
        out
    }
}

impl Pattern {
    /// Every equality test in the pattern, in source order.
    ///
    /// Tests under `OR` are included too: each is a value the indicator may fire on. Negated
    /// equalities (`NOT =`, `!=`, `NOT IN`) are not.
    pub fn observables(&self) -> Vec<Observable> {
        let mut out = Vec::new();
        let mut observations = vec![&self.expr];
        while let Some(expr) = observations.pop() {
            match &expr.kind {
                ObservationKind::Comparison(comparison) => collect(comparison, &mut out),
                ObservationKind::Group(inner) => observations.push(inner),
                ObservationKind::And(items)
                | ObservationKind::Or(items)
                | ObservationKind::FollowedBy(items) => observations.extend(items.iter().rev()),
            }
        }
        out
    }
}

fn collect(expr: &ComparisonExpr, out: &mut Vec<Observable>) {
    let mut stack = vec![expr];
    while let Some(expr) = stack.pop() {
        let comparison = match expr {
            ComparisonExpr::And(items) | ComparisonExpr::Or(items) => {
                stack.extend(items.iter().rev());
                continue;
            }
            ComparisonExpr::Test(comparison) => comparison,
        };
        let values: Vec<&Literal> = match (&comparison.op, comparison.negated) {
            (ComparisonOp::Eq(v), false) | (ComparisonOp::NotEq(v), true) => vec![v],
            (ComparisonOp::In(items), false) => items.iter().collect(),
            _ => continue,
        };
        let property_path = comparison.path.property_path();
        for value in values {
            out.push(Observable {
                object_type: comparison.path.object_type.clone(),
                property_path: property_path.clone(),
                value: value.clone(),
            });
        }
    }
}
