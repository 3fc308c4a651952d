//! Charts drawn on the server as SVG: no JavaScript, no fonts of their own (the text inherits
//! the page's system font), every label escaped. Each chart is an image with a title and a
//! description for screen readers (`role="img"`, `aria-labelledby`); pages show the same numbers
//! as a table beside it, so the chart is never the only way to read them.
//!
//! The drawing is pure: data in, markup out. Bars are scaled on the values given (minor units
//! of money, or any integers), so a chart is exact to the pixel's rounding; the figures printed
//! beside the bars are the caller's formatted strings.

use std::fmt::Write;

/// One bar: what it is, its value (for its length) and the value as people read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub display: String,
}

/// Width of the drawing (the SVG scales down to fit its container).
const WIDTH: i64 = 640;
/// Where the bars start (labels are to the left of it).
const LABEL_W: i64 = 220;
/// Room kept right of the longest bar for its figure.
const FIGURE_W: i64 = 110;
const ROW_H: i64 = 28;
const BAR_H: i64 = 18;
const TOP: i64 = 8;
/// Longest label drawn in the chart (the table beside it has the whole text).
const LABEL_CHARS: usize = 30;

/// Escapes text for SVG/XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML text.
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// An id safe in an attribute and as a fragment: ASCII letters, digits and `-` only.
fn safe_id(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' })
        .collect();
    if s.is_empty() { "chart".into() } else { s }
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(LABEL_CHARS - 1).collect();
        s.push('…');
        s
    }
}

/// A horizontal bar chart. `id` names the chart's title and description elements (`{id}-title`,
/// `{id}-desc`); `title` and `desc` are what a screen reader announces. Negative values draw to
/// the left of a zero line (and take the class `bar-negative`); zero values draw no bar; with no
/// bars the chart says there is nothing to show.
pub fn bar_chart(id: &str, title: &str, desc: &str, bars: &[Bar]) -> String {
    let id = safe_id(id);
    let rows = bars.len().max(1) as i64;
    let height = TOP * 2 + rows * ROW_H;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" font-size="13"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(desc)
    );
    if bars.is_empty() {
        let _ = write!(
            s,
            r#"<text x="0" y="{}" class="chart-empty">Nothing to show for this period.</text></svg>"#,
            TOP + ROW_H / 2 + 4
        );
        return s;
    }
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(0);
    let min = bars.iter().map(|b| b.value).min().unwrap_or(0).min(0);
    // i128: the span of two extreme i64 values does not fit in i64.
    let span = (i128::from(max) - i128::from(min)).max(1);
    let area = i128::from(WIDTH - LABEL_W - FIGURE_W);
    let px = |v: i64| -> i64 {
        // Offset from the left edge of the bar area, rounded to the nearest pixel.
        let off = (i128::from(v) - i128::from(min)) * area;
        i64::try_from((off + span / 2) / span).unwrap_or(0)
    };
    let zero = LABEL_W + px(0);
    for (i, b) in bars.iter().enumerate() {
        let y = TOP + i as i64 * ROW_H;
        let text_y = y + BAR_H / 2 + 5;
        let _ = write!(
            s,
            r#"<text x="{}" y="{text_y}" text-anchor="end" class="chart-label">{}</text>"#,
            LABEL_W - 8,
            escape(&shorten(&b.label))
        );
        let end = LABEL_W + px(b.value);
        let (x, w) = if end >= zero {
            (zero, end - zero)
        } else {
            (end, zero - end)
        };
        if w > 0 {
            let class = if b.value < 0 { "bar bar-negative" } else { "bar" };
            let _ = write!(
                s,
                r#"<rect x="{x}" y="{}" width="{w}" height="{BAR_H}" class="{class}"/>"#,
                y + 2
            );
        }
        let _ = write!(
            s,
            r#"<text x="{}" y="{text_y}" class="chart-figure">{}</text>"#,
            zero.max(end) + 6,
            escape(&b.display)
        );
    }
    if min < 0 {
        let _ = write!(
            s,
            r#"<line x1="{zero}" y1="{TOP}" x2="{zero}" y2="{}" class="chart-axis"/>"#,
            height - TOP
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: i64) -> Bar {
        Bar {
            label: label.into(),
            value,
            display: format!("${value}"),
        }
    }

    fn rects(svg: &str) -> Vec<(i64, i64)> {
        svg.split("<rect ")
            .skip(1)
            .map(|r| {
                let num = |attr: &str| -> i64 {
                    let start = r.find(&format!("{attr}=\"")).expect(attr) + attr.len() + 2;
                    r[start..].split('"').next().unwrap_or("").parse().expect("number")
                };
                (num("x"), num("width"))
            })
            .collect()
    }

    #[test]
    fn labels_titles_and_figures_are_escaped() {
        let svg = bar_chart(
            "spend\"><script>",
            "Spend <by> \"location\"",
            "A & B",
            &[Bar {
                label: "<script>alert('x')</script>".into(),
                value: 10,
                display: "$1 & <b>".into(),
            }],
        );
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;script&gt;alert(&#39;x&#39;)"), "{svg}");
        assert!(svg.contains("Spend &lt;by&gt; &quot;location&quot;"), "{svg}");
        assert!(
            svg.contains("<desc id=\"spend---script--desc\">A &amp; B</desc>"),
            "{svg}"
        );
        assert!(svg.contains("$1 &amp; &lt;b&gt;"), "{svg}");
        assert!(
            svg.contains(r#"role="img" aria-labelledby="spend---script--title spend---script--desc""#),
            "{svg}"
        );
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
    }

    #[test]
    fn bars_are_proportional_and_zero_draws_nothing() {
        let svg = bar_chart("c", "t", "d", &[bar("a", 100), bar("b", 50), bar("z", 0)]);
        let r = rects(&svg);
        assert_eq!(r.len(), 2, "no bar for zero: {svg}");
        let area = WIDTH - LABEL_W - FIGURE_W;
        assert_eq!(r[0], (LABEL_W, area));
        assert_eq!(r[1], (LABEL_W, area / 2));
        // Every row still has its label and figure.
        assert_eq!(svg.matches("class=\"chart-label\"").count(), 3);
        assert!(svg.contains(">$0</text>"));
        assert!(!svg.contains("chart-axis"), "no zero line without negatives");
    }

    #[test]
    fn negative_values_draw_left_of_a_zero_line() {
        let svg = bar_chart("c", "t", "d", &[bar("up", 300), bar("down", -100)]);
        let r = rects(&svg);
        let area = WIDTH - LABEL_W - FIGURE_W;
        // The zero line sits a quarter of the way along (to the pixel).
        let zero = r[0].0;
        assert!((zero - (LABEL_W + area / 4)).abs() <= 1, "{zero}");
        assert_eq!(r[0].0 + r[0].1, LABEL_W + area, "the largest bar reaches the end");
        assert_eq!(r[1], (LABEL_W, zero - LABEL_W), "the negative bar ends at zero");
        assert!(svg.contains("bar bar-negative"));
        assert!(svg.contains(&format!("x1=\"{zero}\"")), "{svg}");
        // Only negatives: every bar ends at the zero line on the right.
        let svg = bar_chart("c", "t", "d", &[bar("a", -10), bar("b", -5)]);
        let r = rects(&svg);
        assert_eq!(r[0].0 + r[0].1, LABEL_W + area);
        assert_eq!(r[1].0 + r[1].1, LABEL_W + area);
        assert!(r[0].1 > r[1].1);
    }

    #[test]
    fn all_zero_and_extreme_values_do_not_break() {
        let svg = bar_chart("c", "t", "d", &[bar("a", 0), bar("b", 0)]);
        assert!(rects(&svg).is_empty());
        let svg = bar_chart("c", "t", "d", &[bar("max", i64::MAX), bar("min", i64::MIN)]);
        let r = rects(&svg);
        assert_eq!(r.len(), 2);
        assert!(
            r.iter()
                .all(|(x, w)| *x >= LABEL_W && *w > 0 && x + w <= WIDTH - FIGURE_W)
        );
    }

    #[test]
    fn empty_data_says_so() {
        let svg = bar_chart("c", "Spend by month", "No spend.", &[]);
        assert!(svg.contains("Nothing to show for this period."));
        assert!(rects(&svg).is_empty());
        assert!(svg.contains("<title id=\"c-title\">Spend by month</title>"));
    }

    #[test]
    fn long_labels_are_shortened_in_the_chart() {
        let long = "A very long cost centre name that goes on and on";
        let svg = bar_chart("c", "t", "d", &[bar(long, 1)]);
        assert!(!svg.contains(long));
        assert!(svg.contains(">A very long cost centre name …</text>"), "{svg}");
    }
}
