//! Chart geometry: linear scales, round tick values, coordinates as text.

/// A linear map from a domain of values to a range of pixels.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub from: f64,
    pub to: f64,
}

impl Scale {
    pub fn at(&self, v: f64) -> f64 {
        if self.hi == self.lo {
            return (self.from + self.to) / 2.0;
        }
        self.from + (v - self.lo) / (self.hi - self.lo) * (self.to - self.from)
    }

    /// `v` held inside the domain: bars that run off the chart end at its edge.
    pub fn clamped(&self, v: f64) -> f64 {
        self.at(v.clamp(self.lo.min(self.hi), self.lo.max(self.hi)))
    }
}

/// About `n` round tick values (steps of 1, 2, 2.5 or 5 times a power of ten)
/// whose first is at or below `lo` and whose last is at or above `hi`.
pub fn ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo - pad, hi + pad)
    };
    let raw = (hi - lo) / n.max(1) as f64;
    let exponent = raw.log10().floor() as i32;
    let decade = 10f64.powi(exponent.abs());
    // Whole multiples of the step, divided (not multiplied) by a negative
    // power of ten, so that 3 steps of 0.01 are 0.03 and not 0.030000000000000002.
    let value = |units: f64| if exponent >= 0 { units * decade } else { units / decade };
    let tolerance = 1e-9;
    let m = [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().find(|m| value(*m) >= raw * (1.0 - tolerance)).unwrap_or(10.0);
    let step = value(m);
    let first = (lo / step + tolerance).floor() as i64;
    let last = (hi / step - tolerance).ceil() as i64;
    (first..=last).map(|i| value(i as f64 * m)).collect()
}

/// A coordinate with one decimal, as short as it gets: "12", "12.5".
pub fn px(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_data() {
        assert_eq!(ticks(0.0, 2_302_767.0, 5), vec![0.0, 500_000.0, 1e6, 1.5e6, 2e6, 2.5e6]);
        assert_eq!(ticks(93.0, 131.0, 4), vec![90.0, 100.0, 110.0, 120.0, 130.0, 140.0]);
        assert_eq!(ticks(0.02, 0.05, 3), vec![0.02, 0.03, 0.04, 0.05]);
        // One value: a band around it.
        assert_eq!(ticks(5.0, 5.0, 4), vec![4.5, 4.75, 5.0, 5.25, 5.5]);
        assert_eq!(ticks(-3.0, 7.0, 5), vec![-4.0, -2.0, 0.0, 2.0, 4.0, 6.0, 8.0]);
    }

    #[test]
    fn scale_maps_and_clamps() {
        let s = Scale { lo: 0.0, hi: 200.0, from: 180.0, to: 20.0 };
        assert_eq!(s.at(100.0), 100.0);
        assert_eq!(s.at(0.0), 180.0);
        assert_eq!(s.clamped(500.0), 20.0);
        assert_eq!(px(12.04), "12");
        assert_eq!(px(12.05), "12.1");
    }
}
