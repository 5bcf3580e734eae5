//! An object's neighbourhood as an inline SVG: the object in the middle, each neighbour on a
//! circle around it, an arrow per relationship or reference with its name, and every neighbour a
//! link to its own page. Pure: the same edges give the same bytes.

use std::f64::consts::PI;
use std::fmt::Write as _;

use crate::report::escape;

/// One neighbour: the relationship's or reference's name, the other object, and the direction.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub label: String,
    pub other: String,
    /// From the object to the other (else from the other to the object).
    pub outgoing: bool,
}

impl Edge {
    pub fn outgoing(label: &str, other: &str) -> Self {
        Edge { label: label.to_owned(), other: other.to_owned(), outgoing: true }
    }

    pub fn incoming(label: &str, other: &str) -> Self {
        Edge { label: label.to_owned(), other: other.to_owned(), outgoing: false }
    }
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 460.0;
const RADIUS: f64 = 170.0;
const NODE: f64 = 11.0;

/// The graph around `center`.
pub fn render(center: &str, edges: &[Edge]) -> String {
    let (cx, cy) = (WIDTH / 2.0, HEIGHT / 2.0);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         role=\"img\" aria-labelledby=\"graph-title\"><title id=\"graph-title\">{} and its {} related objects</title>\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" \
         orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"#566573\"/></marker></defs>",
        escape(center),
        edges.len()
    );
    let n = edges.len().max(1) as f64;
    for (i, edge) in edges.iter().enumerate() {
        let angle = -PI / 2.0 + 2.0 * PI * i as f64 / n;
        let (x, y) = (cx + RADIUS * angle.cos(), cy + RADIUS * angle.sin());
        // The line stops at the circles' edges, so the arrowheads show.
        let (ux, uy) = ((x - cx) / RADIUS, (y - cy) / RADIUS);
        let (x1, y1, x2, y2) = if edge.outgoing {
            (cx + ux * NODE, cy + uy * NODE, x - ux * NODE, y - uy * NODE)
        } else {
            (x - ux * NODE, y - uy * NODE, cx + ux * NODE, cy + uy * NODE)
        };
        let _ = write!(
            svg,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#566573\" marker-end=\"url(#arrow)\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#1b2631\">{}</text>",
            r(x1),
            r(y1),
            r(x2),
            r(y2),
            r((cx + x) / 2.0),
            r((cy + y) / 2.0 - 3.0),
            escape(&edge.label)
        );
        let object_type = edge.other.split("--").next().unwrap_or_default();
        let anchor = if x < cx - 1.0 {
            "end"
        } else if x > cx + 1.0 {
            "start"
        } else {
            "middle"
        };
        let dx = match anchor {
            "end" => -NODE - 3.0,
            "start" => NODE + 3.0,
            _ => 0.0,
        };
        let dy = if anchor == "middle" { if y < cy { -NODE - 4.0 } else { NODE + 12.0 } } else { 4.0 };
        let _ = write!(
            svg,
            "<a href=\"/objects/{id}\"><circle cx=\"{}\" cy=\"{}\" r=\"{NODE}\" fill=\"{}\"><title>{id}</title></circle>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" font-size=\"11\" fill=\"#1f618d\">{}</text></a>",
            r(x),
            r(y),
            colour(object_type),
            r(x + dx),
            r(y + dy),
            escape(&short(&edge.other)),
            id = escape(&edge.other),
        );
    }
    let center_type = center.split("--").next().unwrap_or_default();
    let _ = write!(
        svg,
        "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"{}\" fill=\"{}\" stroke=\"#17202a\" stroke-width=\"2\"/>\
         <text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"bold\">{}</text></svg>",
        NODE + 3.0,
        colour(center_type),
        r(cy + NODE + 18.0),
        escape(&short(center))
    );
    svg
}

/// `type--` and the first 8 characters of the UUID.
fn short(id: &str) -> String {
    match id.split_once("--") {
        Some((t, uuid)) => format!("{t}--{}", uuid.chars().take(8).collect::<String>()),
        None => id.to_owned(),
    }
}

/// One colour per family of STIX types.
fn colour(object_type: &str) -> &'static str {
    match object_type {
        "indicator" => "#e67e22",
        "malware" | "tool" => "#c0392b",
        "threat-actor" | "intrusion-set" | "campaign" => "#8e44ad",
        "attack-pattern" | "course-of-action" | "vulnerability" => "#2980b9",
        "report" | "note" | "opinion" | "grouping" => "#16a085",
        "identity" | "location" => "#7f8c8d",
        "sighting" | "observed-data" => "#d4ac0d",
        _ => "#2c3e50",
    }
}

fn r(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    format!("{rounded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compares with the file, or rewrites it when `SELAT_UPDATE_SNAPSHOTS=1`.
    fn snapshot(name: &str, actual: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/charts").join(name);
        if std::env::var_os("SELAT_UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
            std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
            std::fs::write(&path, actual).expect("write snapshot");
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (SELAT_UPDATE_SNAPSHOTS=1 writes it)", path.display()));
        assert_eq!(actual, expected, "{name} differs from its snapshot");
    }

    #[test]
    fn the_graph_of_fixed_edges_matches_its_snapshot() {
        let edges = vec![
            Edge::outgoing("created_by", "identity--8a8e8758-f92c-4058-ba38-f061cd42a0cf"),
            Edge::outgoing("indicates", "malware--31b940d4-6f7f-459a-80ea-9c1f17b58abc"),
            Edge::incoming("based-on", "sighting--ee3a8d46-4b8c-4b4e-9d4b-7a1e9c1c2b3d"),
            Edge::incoming("related-to", "report--<script>--not-an-id"),
        ];
        let svg = render("indicator--6f2a1d3e-5b4c-4d3e-8f2a-1b2c3d4e5f60", &edges);
        assert!(!svg.contains("<script>"), "text is escaped");
        assert_eq!(svg.matches("<a href=").count(), 4);
        snapshot("object-graph.svg", &svg);
    }

    #[test]
    fn an_object_without_neighbours_is_drawn_alone() {
        let svg = render("indicator--6f2a1d3e-5b4c-4d3e-8f2a-1b2c3d4e5f60", &[]);
        assert!(svg.contains("and its 0 related objects"));
        assert_eq!(svg.matches("<circle").count(), 1);
    }
}
