//! Pure helpers for the Tensority lesson: the heat-map colours of a 256×256 int8
//! product and the shape of the FNV fold, kept off wasm so they test natively.

/// Side of every Tensority matrix.
pub const SIDE: usize = 256;

/// RGBA pixels for an int8 matrix, row-major: negative values blue, positive orange,
/// zero a neutral grey, with brightness growing with magnitude. A diverging scale
/// (not hue alone) keeps the sign readable for colour-blind learners, and the grey
/// midpoint reads on light and dark pages alike.
pub fn heat_map_rgba(values: &[i8]) -> Vec<u8> {
    values.iter().flat_map(|&v| colour(v)).collect()
}

fn colour(value: i8) -> [u8; 4] {
    const GREY: [f32; 3] = [128.0, 128.0, 128.0];
    const BLUE: [f32; 3] = [33.0, 102.0, 172.0];
    const ORANGE: [f32; 3] = [230.0, 97.0, 1.0];
    let t = f32::from(value).abs() / 128.0;
    let end = if value < 0 { BLUE } else { ORANGE };
    let mix = |i: usize| (GREY[i] + (end[i] - GREY[i]) * t).round() as u8;
    [mix(0), mix(1), mix(2), 255]
}

/// Rows left after each FNV fold step: 256, 128, ..., 1 (each step multiplies the
/// upper half's words into the lower half's).
pub fn fold_levels() -> Vec<usize> {
    std::iter::successors(Some(SIDE), |&rows| (rows > 1).then_some(rows / 2)).collect()
}

/// The smallest and largest value, for the legend.
pub fn range(values: &[i8]) -> Option<(i8, i8)> {
    let min = *values.iter().min()?;
    let max = *values.iter().max()?;
    Some((min, max))
}

/// "00 1f ..." rows of `per_row` bytes, for drawing long byte strings legibly.
pub fn hex_rows(bytes: &[u8], per_row: usize) -> Vec<String> {
    bytes.chunks(per_row.max(1)).map(hex::encode).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_diverge_from_grey_by_sign() {
        assert_eq!(colour(0), [128, 128, 128, 255]);
        let [r, _, b, a] = colour(-128);
        assert_eq!((r, b, a), (33, 172, 255));
        let [r, _, b, _] = colour(127);
        assert!(r > 220 && b < 10, "strong positive is orange");
        assert_eq!(heat_map_rgba(&[0, -1, 5]).len(), 12);
    }

    #[test]
    fn fold_halves_down_to_one_row() {
        assert_eq!(fold_levels(), vec![256, 128, 64, 32, 16, 8, 4, 2, 1]);
    }

    #[test]
    fn range_and_hex_rows() {
        assert_eq!(range(&[3, -7, 9]), Some((-7, 9)));
        assert_eq!(range(&[]), None);
        assert_eq!(hex_rows(&[0, 1, 2, 255, 16], 2), vec!["0001", "02ff", "10"]);
    }
}
