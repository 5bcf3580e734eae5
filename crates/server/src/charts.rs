//! Charts as inline SVG, drawn by Selat itself (no script, no external resource): horizontal bars,
//! weekly columns, stacked bars, heat maps and a tile map of the ASEAN Member States. Each is a pure
//! function of its data — the same data gives the same bytes, so each is snapshot-tested — and each
//! is accessible: `role="img"`, an `aria-label` and a `<title>` naming what it shows. Every text
//! drawn is escaped. The regional report uses them now, the web UI's dashboard later.

use std::fmt::Write as _;

use crate::report::escape;

/// The colour of bars and columns.
const INK: &str = "#1f618d";
/// A sequential scale from little to much (ColorBrewer "Blues", 5 classes), and none.
pub const SCALE: [&str; 5] = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
/// The colour of a value of zero or of nothing.
pub const NONE: &str = "#f2f3f4";
/// Colours for the series of a stacked chart, in order (ColorBrewer "Set2", colour-blind safe).
pub const SERIES: [&str; 8] =
    ["#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494", "#b3b3b3"];

/// The opening tag and title of a chart: `role="img"`, its accessible name, and `<title>`.
fn open(title: &str, width: usize, height: usize) -> String {
    let title = escape(title);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
         role=\"img\" aria-label=\"{title}\"><title>{title}</title>\
         <text x=\"0\" y=\"12\" font-weight=\"bold\">{title}</text>"
    )
}

/// `value`'s length on a scale where `max` is `full`.
fn scaled(value: u64, max: u64, full: usize) -> usize {
    let max = max.max(1);
    usize::try_from(u64::try_from(full).unwrap_or(u64::MAX).saturating_mul(value) / max).unwrap_or(full)
}

/// A horizontal bar chart: one bar per `(label, value)`, the value written after the bar.
pub fn bar_chart(title: &str, bars: &[(String, u64)]) -> String {
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0);
    let row = 18;
    let mut svg = open(title, 480, row * bars.len() + 24);
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = 20 + i * row;
        let width = scaled(*value, max, 300);
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\">{}</text><rect x=\"130\" y=\"{y}\" width=\"{width}\" height=\"12\" fill=\"{INK}\"/>\
             <text x=\"{}\" y=\"{}\">{value}</text>",
            y + 10,
            escape(label),
            134 + width,
            y + 10
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A column chart of a time series (one column per `(label, value)`, e.g. per ISO week), with
/// the largest value on the axis and every `label_every`-th label under the columns.
pub fn column_chart(title: &str, columns: &[(String, u64)], label_every: usize) -> String {
    let max = columns.iter().map(|c| c.1).max().unwrap_or(0);
    let (left, top, plot_height) = (40, 24, 120);
    let step = if columns.len() > 40 { 8 } else { 16 };
    // Room on the right for the last label, which starts at its column.
    let width = left + step * columns.len() + 60;
    let mut svg = open(title, width.max(240), top + plot_height + 30);
    let base = top + plot_height;
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{max}</text><text x=\"{}\" y=\"{base}\" text-anchor=\"end\">0</text>\
         <line x1=\"{left}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#566573\"/>",
        left - 4,
        top + 8,
        left - 4,
        left + step * columns.len()
    );
    for (i, (label, value)) in columns.iter().enumerate() {
        let x = left + i * step;
        let height = scaled(*value, max, plot_height);
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{height}\" fill=\"{INK}\"><title>{}: {value}</title></rect>",
            base - height,
            step - 2,
            escape(label)
        );
        if label_every > 0 && i % label_every == 0 {
            let _ = write!(svg, "<text x=\"{x}\" y=\"{}\">{}</text>", base + 14, escape(label));
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A legend: a swatch and a label per entry, in one row at `y`.
fn legend(svg: &mut String, entries: &[(String, &str)], y: usize) {
    let mut x = 0;
    for (label, colour) in entries {
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{y}\" width=\"10\" height=\"10\" fill=\"{colour}\" stroke=\"#aab7b8\"/>\
             <text x=\"{}\" y=\"{}\">{}</text>",
            x + 14,
            y + 9,
            escape(label)
        );
        x += 24 + 7 * label.chars().count();
    }
}

/// Horizontal stacked bars: one bar per row, one segment per series (e.g. incidents of a
/// severity, by status), with a legend of the series and each row's total after its bar.
pub fn stacked_bars(title: &str, series: &[String], rows: &[(String, Vec<u64>)]) -> String {
    let total = |values: &[u64]| values.iter().sum::<u64>();
    let max = rows.iter().map(|r| total(&r.1)).max().unwrap_or(0);
    let row = 18;
    let mut svg = open(title, 480, row * rows.len() + 48);
    let colours: Vec<(String, &str)> =
        series.iter().enumerate().map(|(i, s)| (s.clone(), SERIES[i % SERIES.len()])).collect();
    legend(&mut svg, &colours, 18);
    for (i, (label, values)) in rows.iter().enumerate() {
        let y = 36 + i * row;
        let _ = write!(svg, "<text x=\"0\" y=\"{}\">{}</text>", y + 10, escape(label));
        let mut x = 130;
        for (value, (name, colour)) in values.iter().zip(&colours) {
            let width = scaled(*value, max, 300);
            if width > 0 {
                let _ = write!(
                    svg,
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{width}\" height=\"12\" fill=\"{colour}\"><title>{} {}: {value}</title></rect>",
                    escape(label),
                    escape(name)
                );
            }
            x += width;
        }
        let _ = write!(svg, "<text x=\"{}\" y=\"{}\">{}</text>", x + 4, y + 10, total(values));
    }
    svg.push_str("</svg>");
    svg
}

/// One cell of a heat map: its colour and what it says (shown on hover and read by screen
/// readers), and an optional short mark drawn in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeatCell {
    pub colour: String,
    pub text: String,
    pub mark: String,
}

/// A heat map: rows × columns of coloured cells, with a legend.
pub fn heat_map(
    title: &str,
    columns: &[String],
    rows: &[(String, Vec<HeatCell>)],
    key: &[(String, &str)],
) -> String {
    let (left, top, cell_width, cell_height) = (60, 36, 26, 18);
    let width = (left + cell_width * columns.len()).max(480);
    let mut svg = open(title, width, top + cell_height * rows.len() + 28);
    for (j, column) in columns.iter().enumerate() {
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            left + j * cell_width + cell_width / 2,
            top - 4,
            escape(column)
        );
    }
    for (i, (label, cells)) in rows.iter().enumerate() {
        let y = top + i * cell_height;
        let _ = write!(svg, "<text x=\"0\" y=\"{}\">{}</text>", y + 13, escape(label));
        for (j, cell) in cells.iter().enumerate() {
            let x = left + j * cell_width;
            let _ = write!(
                svg,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#fff\"><title>{}</title></rect>",
                cell_width,
                cell_height,
                escape(&cell.colour),
                escape(&cell.text)
            );
            if !cell.mark.is_empty() {
                let _ = write!(
                    svg,
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                    x + cell_width / 2,
                    y + 13,
                    escape(&cell.mark)
                );
            }
        }
    }
    legend(&mut svg, key, top + cell_height * rows.len() + 10);
    svg.push_str("</svg>");
    svg
}

/// Where each Member State's tile sits (column, row): roughly its place on the map, Myanmar in
/// the north-west, Timor-Leste in the south-east.
pub const TILES: [(&str, usize, usize); 11] = [
    ("MM", 0, 0),
    ("LA", 1, 0),
    ("VN", 2, 0),
    ("TH", 0, 1),
    ("KH", 1, 1),
    ("PH", 3, 1),
    ("MY", 0, 2),
    ("BN", 2, 2),
    ("SG", 0, 3),
    ("ID", 1, 4),
    ("TL", 3, 4),
];

/// The class of `value` on [`SCALE`] when `max` is the largest: none for zero.
pub fn scale_colour(value: u64, max: u64) -> &'static str {
    if value == 0 || max == 0 {
        return NONE;
    }
    let class = ((value - 1) * SCALE.len() as u64 / max).min(SCALE.len() as u64 - 1);
    SCALE[usize::try_from(class).unwrap_or(0)]
}

/// A tile map of the eleven Member States, each tile coloured by its value (e.g. objects shared)
/// on [`SCALE`], with its code and value, and a legend of the scale's bounds.
pub fn tile_map(title: &str, values: &[(String, u64)], unit: &str) -> String {
    let max = values.iter().map(|v| v.1).max().unwrap_or(0);
    let (size, top) = (56, 20);
    let mut svg = open(title, 4 * (size + 4) + 40, top + 5 * (size + 4) + 30);
    for (code, column, row) in TILES {
        let value = values.iter().find(|v| v.0 == code).map_or(0, |v| v.1);
        let colour = scale_colour(value, max);
        let ink = if SCALE[3..].contains(&colour) { "#fff" } else { "#1b2631" };
        let (x, y) = (column * (size + 4), top + row * (size + 4));
        let _ = write!(
            svg,
            "<g><title>{code}: {value} {}</title><rect x=\"{x}\" y=\"{y}\" width=\"{size}\" height=\"{size}\" rx=\"4\" fill=\"{colour}\" stroke=\"#aab7b8\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\" fill=\"{ink}\">{code}</text>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{ink}\">{value}</text></g>",
            escape(unit),
            x + size / 2,
            y + 24,
            x + size / 2,
            y + 40
        );
    }
    let mut key: Vec<(String, &str)> = vec![("0".to_owned(), NONE)];
    if max > 0 {
        key.push((format!("1–{max} {unit}"), SCALE[0]));
        key.push((format!("{max}"), SCALE[SCALE.len() - 1]));
    }
    legend(&mut svg, &key, top + 5 * (size + 4) + 6);
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `svg` equals the snapshot `tests/data/charts/{name}.svg` (`SELAT_UPDATE_SNAPSHOTS=1` rewrites
    /// it after a deliberate change), and is an accessible, script-free chart.
    fn check(name: &str, svg: &str) {
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"), "{name}: one svg element");
        assert!(svg.contains("role=\"img\"") && svg.contains("aria-label=\"") && svg.contains("<title>"));
        for external in ["<script", "href=", "url(", " onload=", " onclick="] {
            assert!(!svg.contains(external), "{name}: {external}");
        }
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/charts")
            .join(format!("{name}.svg"));
        if std::env::var_os("SELAT_UPDATE_SNAPSHOTS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, svg).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} exists", path.display()));
        assert_eq!(svg, expected, "{name} changed: review it, then SELAT_UPDATE_SNAPSHOTS=1");
    }

    fn pairs(list: &[(&str, u64)]) -> Vec<(String, u64)> {
        list.iter().map(|(l, v)| ((*l).to_owned(), *v)).collect()
    }

    #[test]
    fn bar_chart_snapshot() {
        let svg = bar_chart("Objects <shared> & more", &pairs(&[("SG", 12), ("MY", 3), ("TL \"new\"", 0)]));
        assert!(svg.contains("Objects &lt;shared&gt; &amp; more") && svg.contains("TL &quot;new&quot;"));
        check("bar", &svg);
    }

    #[test]
    fn column_chart_snapshot() {
        let weeks: Vec<(String, u64)> = (1..=12).map(|w| (format!("2026-W{w:02}"), (w * 7) % 5)).collect();
        let svg = column_chart("Sightings per week", &weeks, 4);
        assert_eq!(svg.matches("<rect").count(), 12);
        check("columns", &svg);
    }

    #[test]
    fn stacked_bars_snapshot() {
        let series: Vec<String> = ["reported", "triaged", "closed"].map(str::to_owned).to_vec();
        let rows = vec![("high".to_owned(), vec![1, 2, 0]), ("low".to_owned(), vec![0, 0, 4])];
        let svg = stacked_bars("Incidents by severity and status", &series, &rows);
        assert_eq!(svg.matches("<rect").count(), 3 + 3, "a swatch per series, a segment per non-zero value");
        check("stacked", &svg);
    }

    #[test]
    fn heat_map_snapshot() {
        let cell = |colour: &str, text: &str, mark: &str| HeatCell {
            colour: colour.to_owned(),
            text: text.to_owned(),
            mark: mark.to_owned(),
        };
        let columns: Vec<String> = ["a", "b"].map(str::to_owned).to_vec();
        let rows = vec![
            (
                "SG".to_owned(),
                vec![cell("#27ae60", "SG a: implemented", "●"), cell(NONE, "SG b: <none>", "")],
            ),
            ("MY".to_owned(), vec![cell("#f4d03f", "MY a: in progress", "◐"), cell("#e74c3c", "MY b", "○")]),
        ];
        let key = [("implemented".to_owned(), "#27ae60"), ("in progress".to_owned(), "#f4d03f")];
        let svg = heat_map("Norms", &columns, &rows, &key);
        assert!(svg.contains("SG b: &lt;none&gt;"));
        check("heat", &svg);
    }

    #[test]
    fn tile_map_snapshot() {
        let svg =
            tile_map("Objects shared per state", &pairs(&[("SG", 40), ("MY", 10), ("TL", 1)]), "objects");
        for (code, _, _) in TILES {
            assert!(svg.contains(&format!(">{code}</text>")), "{code} has a tile");
        }
        assert_eq!(scale_colour(0, 40), NONE);
        assert_eq!((scale_colour(40, 40), scale_colour(1, 40)), (SCALE[4], SCALE[0]));
        check("tiles", &svg);
    }
}
