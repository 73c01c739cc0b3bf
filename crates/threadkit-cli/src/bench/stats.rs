//! Statistics of the harness: median, spread, and the ours / peer ratio.

/// The summary of one implementation's rounds on one workload, in ns per operation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Summary {
    pub(crate) median: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
}

impl Summary {
    /// Summarises samples (ns per operation); `None` if there are none.
    pub(crate) fn of(samples: &[f64]) -> Option<Summary> {
        if samples.is_empty() {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        Some(Summary {
            median,
            min: sorted[0],
            max: sorted[n - 1],
        })
    }
}

/// ours / peer: below 1.0 means ours takes less time per operation.
pub(crate) fn ratio(ours: &Summary, peer: &Summary) -> f64 {
    ours.median / peer.median
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(Summary::of(&[3.0, 1.0, 2.0]).unwrap().median, 2.0);
        assert_eq!(Summary::of(&[4.0, 1.0, 3.0, 2.0]).unwrap().median, 2.5);
        assert_eq!(Summary::of(&[]), None);
    }

    #[test]
    fn spread_is_min_and_max() {
        let s = Summary::of(&[5.0, 9.0, 1.0, 7.0, 3.0]).unwrap();
        assert_eq!((s.min, s.median, s.max), (1.0, 5.0, 9.0));
    }

    #[test]
    fn ratio_below_one_means_faster() {
        let ours = Summary {
            median: 10.0,
            min: 9.0,
            max: 11.0,
        };
        let peer = Summary {
            median: 20.0,
            min: 19.0,
            max: 21.0,
        };
        assert_eq!(ratio(&ours, &peer), 0.5);
        assert_eq!(ratio(&peer, &ours), 2.0);
    }
}
