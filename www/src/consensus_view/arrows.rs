//! Where the consensus widgets draw a message: a line from rim to rim between two
//! nodes, beside the straight line so that a message and its answer do not overlap,
//! fading as newer events happen.

/// Opacity of an arrow `age` events old in a window of `window`: 1 now, 0.2 oldest.
pub fn fade(age: u64, window: u64) -> f64 {
    1.0 - age as f64 / window.max(1) as f64 * 0.8
}

/// How far an arrow runs beside the straight line between its nodes, and its label
/// beside the arrow: a request and its answer then lie side by side instead of on
/// top of each other.
pub const LANE: f64 = 3.0;
pub const LABEL_LANE: f64 = 9.0;

/// The line between two circles of radius `r`, from rim to rim, leaving room for the
/// arrow head, moved `lane` to the right of its direction of travel.
pub fn rim_to_rim(from: (f64, f64), to: (f64, f64), r: f64, lane: f64) -> (f64, f64, f64, f64) {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / len, dy / len);
    let (nx, ny) = (-uy * lane, ux * lane);
    (
        from.0 + ux * r + nx,
        from.1 + uy * r + ny,
        to.0 - ux * (r + 2.0) + nx,
        to.1 - uy * (r + 2.0) + ny,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_run_from_rim_to_rim() {
        let (sx, sy, ex, ey) = rim_to_rim((0.0, 0.0), (100.0, 0.0), 10.0, 0.0);
        assert_eq!((sx, sy), (10.0, 0.0));
        assert_eq!((ex, ey), (88.0, 0.0));
        let (sx, sy, _, ey) = rim_to_rim((0.0, 0.0), (0.0, -50.0), 5.0, 0.0);
        assert_eq!((sx, sy, ey), (0.0, -5.0, -43.0));
    }

    #[test]
    fn a_message_and_its_answer_run_side_by_side() {
        let there = rim_to_rim((0.0, 0.0), (100.0, 0.0), 10.0, LANE);
        let back = rim_to_rim((100.0, 0.0), (0.0, 0.0), 10.0, LANE);
        assert_eq!(there.1, LANE);
        assert_eq!(back.1, -LANE);
    }

    #[test]
    fn older_arrows_fade_but_stay_visible() {
        assert_eq!(fade(0, 8), 1.0);
        assert!((fade(7, 8) - 0.3).abs() < 1e-9);
        assert!(fade(3, 8) > fade(7, 8), "older is fainter");
    }
}
