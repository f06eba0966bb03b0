//! The plain-text table of a run: rows with a value, a comparison with the baseline, the
//! issue's target and whether it was met; columns aligned for a terminal.

/// A bound from the issue that a figure should meet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    AtMost(f64),
    AtLeast(f64),
}

impl Target {
    pub fn met_by(self, value: f64) -> bool {
        match self {
            Self::AtMost(bound) => value <= bound,
            Self::AtLeast(bound) => value >= bound,
        }
    }

    fn label(self) -> String {
        match self {
            Self::AtMost(bound) => format!("<= {}", fmt_num(bound)),
            Self::AtLeast(bound) => format!(">= {}", fmt_num(bound)),
        }
    }
}

/// One line of the table.
#[derive(Clone, Debug)]
pub struct Row {
    pub scenario: &'static str,
    pub metric: &'static str,
    pub value: Option<f64>,
    /// The figure relative to its baseline, already phrased (`12.3x nats p50`).
    pub versus: Option<String>,
    pub target: Option<Target>,
}

impl Row {
    pub fn new(scenario: &'static str, metric: &'static str, value: Option<f64>) -> Self {
        Self {
            scenario,
            metric,
            value,
            versus: None,
            target: None,
        }
    }

    pub fn target(mut self, target: Target) -> Self {
        self.target = Some(target);
        self
    }

    pub fn versus(mut self, versus: Option<String>) -> Self {
        self.versus = versus;
        self
    }

    /// `met`, `MISSED`, or `-` when there is no target or no figure.
    pub fn verdict(&self) -> &'static str {
        match (self.value, self.target) {
            (Some(value), Some(target)) if target.met_by(value) => "met",
            (Some(_), Some(_)) => "MISSED",
            _ => "-",
        }
    }
}

/// A number as people read it: integers without decimals, small values with a few.
pub fn fmt_num(value: f64) -> String {
    if value == value.trunc() && value.abs() < 1e15 {
        format!("{value:.0}")
    } else if value.abs() >= 100.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    }
}

/// The rows as an aligned plain-text table.
pub fn table(rows: &[Row]) -> String {
    let header = [
        "scenario",
        "metric",
        "value",
        "vs baseline",
        "target",
        "verdict",
    ];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.scenario.to_owned(),
                r.metric.to_owned(),
                r.value.map_or_else(|| "n/a".to_owned(), fmt_num),
                r.versus.clone().unwrap_or_else(|| "-".to_owned()),
                r.target.map_or_else(|| "-".to_owned(), Target::label),
                r.verdict().to_owned(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let line = |cells: &[String]| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = line(&header.map(str::to_owned));
    out.push('\n');
    out.push_str(&line(&widths.map(|w| "-".repeat(w))));
    out.push('\n');
    for row in &cells {
        out.push_str(&line(row));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        let row = |value| Row::new("s", "m", value).target(Target::AtMost(2.0));
        assert_eq!(row(Some(1.5)).verdict(), "met");
        assert_eq!(row(Some(2.5)).verdict(), "MISSED");
        assert_eq!(row(None).verdict(), "-");
        assert_eq!(Row::new("s", "m", Some(1.0)).verdict(), "-");
        assert!(Target::AtLeast(0.3).met_by(0.3));
        assert!(!Target::AtMost(0.3).met_by(0.31));
    }

    #[test]
    fn numbers_are_formatted_for_people() {
        assert_eq!(fmt_num(20000.0), "20000");
        assert_eq!(fmt_num(1234.567), "1234.6");
        assert_eq!(fmt_num(0.25), "0.25");
        assert_eq!(fmt_num(1.5), "1.5");
        assert_eq!(fmt_num(0.1234), "0.123");
    }
}
