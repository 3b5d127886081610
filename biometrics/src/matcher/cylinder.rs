//! Minutia Cylinder-Code local descriptors (Cappelli, Ferrara & Maltoni, IEEE TPAMI 2010), in
//! the bit-vector form: each cylinder is 16×16 spatial cells × 6 direction layers = 1536 bits,
//! plus a 256-bit mask of the spatial cells that are valid (inside the cylinder and inside the
//! convex hull of the minutiae enlarged by Ω). Parameters are the paper's defaults for 500 ppi.

use crate::geometry::{Edge, convex_hull, within_edges, within_hull};
use crate::template::Template;
use std::f32::consts::{PI, TAU};

/// Cylinder radius R (pixels).
pub const RADIUS: f32 = 70.0;
/// Spatial cells along each side of the cylinder base (N_S).
pub const NS: usize = 16;
/// Direction layers (N_D).
pub const ND: usize = 6;
const SIGMA_S: f32 = 28.0 / 3.0;
const SIGMA_D: f32 = 2.0 * PI / 9.0;
/// A cell's bit is set when its contribution reaches μ_Ψ (the bit form's step function).
const MU_PSI: f32 = 0.01;
/// Enlargement of the convex hull that bounds valid cells (Ω).
const OMEGA: f32 = 50.0;
/// A cylinder is valid when at least this fraction of its in-circle cells is valid (min_VC)…
const MIN_VALID_CELLS: f32 = 0.75;
/// …and at least this many other minutiae lie in its neighbourhood (min_M).
const MIN_NEIGHBOURS: usize = 2;

const SPATIAL: usize = NS * NS;
/// u64 words of the spatial validity mask.
pub const MASK_WORDS: usize = SPATIAL / 64;
/// u64 words of the cell bits: layer `k` occupies words `k * MASK_WORDS ..`.
pub const BIT_WORDS: usize = MASK_WORDS * ND;
const CELL: f32 = 2.0 * RADIUS / NS as f32;
const LAYER: f32 = TAU / ND as f32;

/// One minutia's cylinder, in the y-up frame the geometry below uses.
#[derive(Clone)]
pub struct Cylinder {
    pub bits: [u64; BIT_WORDS],
    pub mask: [u64; MASK_WORDS],
    /// Number of valid spatial cells (popcount of `mask`).
    pub valid_cells: u16,
    /// Index of the minutia in its template.
    pub minutia: u16,
    pub x: f32,
    pub y: f32,
    pub angle: f32,
}

/// Angle difference folded into `[-π, π)`. Inputs within a few turns of each other (as all
/// angles here are) are folded with two comparisons instead of a float remainder.
#[inline(always)]
pub fn angle_diff(a: f32, b: f32) -> f32 {
    let mut d = a - b;
    if !(-4.0 * PI..4.0 * PI).contains(&d) {
        return (d + PI).rem_euclid(TAU) - PI;
    }
    if d >= PI {
        d -= TAU;
        if d >= PI {
            d -= TAU;
        }
    } else if d < -PI {
        d += TAU;
        if d < -PI {
            d += TAU;
        }
    }
    d
}

/// atan2 within 0.002 rad (a rational approximation): the relaxation compares angles against
/// a 15° sigmoid, where this error is immaterial, and it runs for thousands of pairs.
#[inline(always)]
pub fn fast_atan2(y: f32, x: f32) -> f32 {
    let (ax, ay) = (x.abs(), y.abs());
    if ax == 0.0 && ay == 0.0 {
        return 0.0;
    }
    let (r, swap) = if ay > ax {
        (ax / ay, true)
    } else {
        (ay / ax, false)
    };
    let mut a = (PI / 4.0) * r - r * (r - 1.0) * (0.2447 + 0.0663 * r);
    a = if swap { PI / 2.0 - a } else { a };
    if x < 0.0 {
        a = PI - a;
    }
    if y < 0.0 { -a } else { a }
}

/// A minutia in the y-up frame: `(x, y, angle)` with the angle counter-clockwise.
pub type Point = (f32, f32, f32);

/// The template's minutiae in the y-up frame (the template's angles are counter-clockwise on
/// screen with y growing down; flipping y makes them ordinary mathematical angles).
pub fn points(t: &Template) -> Vec<Point> {
    t.minutiae
        .iter()
        .map(|m| (f32::from(m.x), -f32::from(m.y), m.angle))
        .collect()
}

/// At most this many cylinders per template (ISO/IEC 19794-2 records hold at most 255
/// minutiae); keeps candidate indices within 16 bits.
pub const MAX_CYLINDERS: usize = 255;

/// Builds the valid cylinders of a template, one per minutia that has enough context.
pub fn cylinders(pts: &[Point]) -> Vec<Cylinder> {
    let hull = convex_hull(pts.iter().map(|&(x, y, _)| (x, y)));
    // One buffer of cell sums and one neighbour list serve every cylinder of the template.
    let mut sums = Box::new([[0f32; ND]; SPATIAL]);
    let mut neighbours = Vec::with_capacity(pts.len());
    let mut out = Vec::with_capacity(pts.len());
    for (index, &centre) in pts.iter().enumerate() {
        neighbourhood(pts, index, &mut neighbours);
        if neighbours.len() < MIN_NEIGHBOURS {
            continue;
        }
        let Some(mask) = valid_cells(centre, &hull) else {
            continue;
        };
        accumulate(centre, pts, &neighbours, &mask, &mut sums);
        out.push(cylinder(index, centre, mask, &sums));
        if out.len() == MAX_CYLINDERS {
            break;
        }
    }
    out
}

/// Minutiae close enough to contribute to some cell of the cylinder of `pts[index]`.
fn neighbourhood(pts: &[Point], index: usize, out: &mut Vec<usize>) {
    let (x, y, _) = pts[index];
    let reach = RADIUS + 3.0 * SIGMA_S;
    out.clear();
    out.extend((0..pts.len()).filter(|&j| j != index).filter(|&j| {
        let (dx, dy) = (pts[j].0 - x, pts[j].1 - y);
        dx * dx + dy * dy <= reach * reach
    }));
}

/// Cell centre offset from the cylinder axis along one side, in pixels.
fn cell_offset(i: usize) -> f32 {
    CELL * (i as f32 + 0.5 - NS as f32 / 2.0)
}

/// The mask of the cylinder centred at `(x, y, angle)`: its cells whose centre lies in the
/// base circle and within Ω of the hull; `None` when too few are valid (min_VC).
fn valid_cells((x, y, angle): Point, hull: &[(f32, f32)]) -> Option<[u64; MASK_WORDS]> {
    let (sin, cos) = angle.sin_cos();
    let validity = Validity::around(hull, x, y);
    let cells = disc_cells();
    let mut mask = [0u64; MASK_WORDS];
    let mut valid = 0u32;
    for &(cell, u, v) in cells {
        let (px, py) = (x + cos * u - sin * v, y + sin * u + cos * v);
        if validity.is_valid(px, py) {
            valid += 1;
            mask[usize::from(cell) / 64] |= 1 << (cell % 64);
        }
    }
    ((valid as f32) >= MIN_VALID_CELLS * cells.len() as f32).then_some(mask)
}

/// The cylinder of the minutia `index` at `(x, y, angle)`: the bits of its valid cells whose
/// sums reach μ_Ψ.
fn cylinder(
    index: usize,
    (x, y, angle): Point,
    mask: [u64; MASK_WORDS],
    sums: &[[f32; ND]; SPATIAL],
) -> Cylinder {
    let mut bits = [0u64; BIT_WORDS];
    for cell in set_bits(&mask) {
        for (k, s) in sums[cell].iter().enumerate() {
            if *s >= MU_PSI {
                bits[k * MASK_WORDS + cell / 64] |= 1 << (cell % 64);
            }
        }
    }
    Cylinder {
        bits,
        mask,
        valid_cells: mask.iter().map(|w| w.count_ones()).sum::<u32>() as u16,
        minutia: index as u16,
        x,
        y,
        angle,
    }
}

/// The indices of the bits set in `words` (bit `i` of word `w` is `w * 64 + i`), ascending:
/// the valid cells of a mask, the set cells of a cylinder.
pub(crate) fn set_bits(words: &[u64]) -> impl Iterator<Item = usize> + '_ {
    words.iter().enumerate().flat_map(|(w, &word)| {
        let mut rest = word;
        std::iter::from_fn(move || {
            (rest != 0).then(|| {
                let bit = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                w * 64 + bit
            })
        })
    })
}

/// The spatial cells whose centre lies in the cylinder's base circle, as `(cell, u, v)`: the
/// cell's index and its centre's offset from the axis, in the cylinder's frame.
fn disc_cells() -> &'static [(u16, f32, f32)] {
    static CELLS: std::sync::OnceLock<Vec<(u16, f32, f32)>> = std::sync::OnceLock::new();
    CELLS.get_or_init(|| {
        (0..NS)
            .flat_map(|i| (0..NS).map(move |j| (i, j)))
            .map(|(i, j)| ((i * NS + j) as u16, cell_offset(i), cell_offset(j)))
            .filter(|&(_, u, v)| u * u + v * v <= RADIUS * RADIUS)
            .collect()
    })
}

/// Which cell centres of one cylinder are valid: inside the hull enlarged by Ω.
enum Validity<'a> {
    /// The whole base circle lies inside the hull.
    All,
    /// Test against the hull edges that some cell could fail or come within Ω of.
    Near(Vec<Edge>),
    /// A hull of fewer than three points: test against all of it.
    Degenerate(&'a [(f32, f32)]),
}

impl<'a> Validity<'a> {
    /// Picks the hull edges that matter to the cylinder centred at `(x, y)`. An edge whose
    /// line lies farther inward than R + Ω (plus a pixel for rounding) cannot decide any
    /// in-circle cell: every cell is on its inner side and more than Ω from it. Skipping such
    /// edges gives the same answers as testing the whole hull, for a fraction of the work.
    fn around(hull: &'a [(f32, f32)], x: f32, y: f32) -> Self {
        if hull.len() < 3 {
            return Self::Degenerate(hull);
        }
        let reach = RADIUS + OMEGA + 1.0;
        let (mut nearest, mut near) = (f32::INFINITY, Vec::new());
        for (&a, &b) in hull.iter().zip(hull.iter().cycle().skip(1)) {
            let d = inward_distance(a, b, x, y);
            nearest = nearest.min(d);
            if d <= reach {
                near.push((a, b));
            }
        }
        if nearest >= RADIUS {
            Self::All
        } else {
            Self::Near(near)
        }
    }

    fn is_valid(&self, x: f32, y: f32) -> bool {
        match self {
            Self::All => true,
            Self::Near(edges) => within_edges(edges.iter().copied(), x, y, OMEGA),
            Self::Degenerate(hull) => within_hull(hull, x, y, OMEGA),
        }
    }
}

/// The contribution sums of the valid cells (paper eq. 4 before the step function), neighbour
/// by neighbour: each neighbour only reaches the cells within 3σ_S of it, about 40 of 256.
/// Cells outside `mask` are left at zero: no bit is read from them.
fn accumulate(
    (x, y, angle): Point,
    pts: &[Point],
    neighbours: &[usize],
    mask: &[u64; MASK_WORDS],
    sums: &mut [[f32; ND]; SPATIAL],
) {
    let directional = directional_table();
    sums.fill([0.0; ND]);
    let (sin, cos) = angle.sin_cos();
    let reach = 3.0 * SIGMA_S;
    let norm = 1.0 / (SIGMA_S * TAU.sqrt());
    let half = NS as f32 / 2.0 - 0.5;
    let cell_range = |c: f32| {
        let lo = ((c - reach) / CELL + half).ceil().max(0.0) as usize;
        let hi = ((c + reach) / CELL + half).floor().min(NS as f32 - 1.0);
        (lo, if hi < 0.0 { None } else { Some(hi as usize) })
    };
    for &n in neighbours {
        let (nx, ny, na) = pts[n];
        let layers = directional.layers(angle_diff(angle, na));
        // The neighbour in the cylinder's own frame (inverse of the cell placement rotation).
        let (dx, dy) = (nx - x, ny - y);
        let (u, v) = (cos * dx + sin * dy, -sin * dx + cos * dy);
        let ((i0, i1), (j0, j1)) = (cell_range(u), cell_range(v));
        let (Some(i1), Some(j1)) = (i1, j1) else {
            continue;
        };
        for i in i0..=i1 {
            let du = cell_offset(i) - u;
            for j in j0..=j1 {
                let cell = i * NS + j;
                if mask[cell / 64] & (1 << (cell % 64)) == 0 {
                    continue;
                }
                let dv = cell_offset(j) - v;
                let d2 = du * du + dv * dv;
                if d2 > reach * reach {
                    continue;
                }
                let spatial = norm * (-d2 / (2.0 * SIGMA_S * SIGMA_S)).exp();
                let cell = &mut sums[cell];
                for k in 0..ND {
                    cell[k] += spatial * layers[k];
                }
            }
        }
    }
}

/// Signed distance from `(x, y)` to the line of the hull edge `a`→`b`: positive on the inner
/// side (the hull runs counter-clockwise).
fn inward_distance(a: (f32, f32), b: (f32, f32), x: f32, y: f32) -> f32 {
    let (ex, ey) = (b.0 - a.0, b.1 - a.1);
    let len = (ex * ex + ey * ey).sqrt().max(f32::MIN_POSITIVE);
    (ex * (y - a.1) - ey * (x - a.0)) / len
}

fn directional_table() -> &'static DirectionalTable {
    static TABLE: std::sync::OnceLock<DirectionalTable> = std::sync::OnceLock::new();
    TABLE.get_or_init(DirectionalTable::new)
}

/// C_D of the paper: the area of the directional Gaussian (σ_D) over each layer's angle range,
/// tabulated over the relative direction of the neighbour.
struct DirectionalTable {
    table: Vec<[f32; ND]>,
}

const DIRECTIONAL_STEPS: usize = 512;

impl DirectionalTable {
    fn new() -> Self {
        let table = (0..DIRECTIONAL_STEPS)
            .map(|s| {
                let d = -PI + TAU * (s as f32 + 0.5) / DIRECTIONAL_STEPS as f32;
                let mut layers = [0f32; ND];
                for (k, l) in layers.iter_mut().enumerate() {
                    let centre = -PI + (k as f32 + 0.5) * LAYER;
                    let a = angle_diff(centre, d);
                    let s2 = SIGMA_D * std::f32::consts::SQRT_2;
                    *l = 0.5 * (erf((a + LAYER / 2.0) / s2) - erf((a - LAYER / 2.0) / s2));
                }
                layers
            })
            .collect();
        Self { table }
    }

    fn layers(&self, d: f32) -> [f32; ND] {
        let s = ((d + PI) / TAU * DIRECTIONAL_STEPS as f32) as usize;
        self.table[s.min(DIRECTIONAL_STEPS - 1)]
    }
}

/// Error function (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7).
fn erf(x: f32) -> f32 {
    let sign = x.signum();
    let x = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let y = 1.0
        - (((((1.061_405_4 * t - 1.453_152_1) * t) + 1.421_413_7) * t - 0.284_496_74) * t
            + 0.254_829_6)
            * t
            * (-x * x).exp();
    sign * y
}

/// Bit-form cylinder similarity (paper eq. 17): 1 − √|a⊕b| / (√|a| + √|b|) over the cells
/// valid in both; 0 when the directions differ by more than π/2 or too few cells are
/// matchable (min_ME = 60 %).
// Parallel word arrays indexed together read clearer as index loops.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
pub fn similarity(a: &Cylinder, b: &Cylinder) -> f32 {
    const MIN_MATCHABLE: u32 = (SPATIAL as f32 * 0.60) as u32;
    if angle_diff(a.angle, b.angle).abs() > PI / 2.0 {
        return 0.0;
    }
    let mut common = [0u64; MASK_WORDS];
    let mut matchable = 0;
    for w in 0..MASK_WORDS {
        common[w] = a.mask[w] & b.mask[w];
        matchable += common[w].count_ones();
    }
    if matchable < MIN_MATCHABLE {
        return 0.0;
    }
    let (mut na, mut nb, mut nx) = (0u32, 0u32, 0u32);
    for k in 0..ND {
        for w in 0..MASK_WORDS {
            let i = k * MASK_WORDS + w;
            let (x, y) = (a.bits[i] & common[w], b.bits[i] & common[w]);
            na += x.count_ones();
            nb += y.count_ones();
            nx += (x ^ y).count_ones();
        }
    }
    let denominator = (na as f32).sqrt() + (nb as f32).sqrt();
    if denominator == 0.0 {
        return 0.0;
    }
    1.0 - (nx as f32).sqrt() / denominator
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_atan2_is_close_to_atan2() {
        for i in 0..360 {
            let t = (i as f32).to_radians();
            let (y, x) = (3.0 * t.sin(), 3.0 * t.cos());
            let err = angle_diff(fast_atan2(y, x), y.atan2(x)).abs();
            assert!(err < 0.005, "{i}: {err}");
        }
    }

    #[test]
    fn angle_diff_folds_into_half_turns() {
        for (a, b, d) in [
            (0.1, 6.2, 0.1 + TAU - 6.2),
            (6.2, 0.1, 6.1 - TAU),
            (-7.0, 7.0, -14.0 + 2.0 * TAU),
        ] {
            assert!((angle_diff(a, b) - d).abs() < 1e-4, "{a} {b}");
        }
        assert!((angle_diff(100.0, 0.0) - (100.0f32 + PI).rem_euclid(TAU) + PI).abs() < 1e-3);
    }

    #[test]
    fn erf_matches_known_values() {
        assert!((erf(0.0)).abs() < 1e-6);
        assert!((erf(1.0) - 0.842_700_8).abs() < 1e-5);
        assert!((erf(-2.0) + 0.995_322_3).abs() < 1e-5);
    }

    #[test]
    fn directional_layers_sum_to_one() {
        let t = DirectionalTable::new();
        for d in [-3.0f32, -1.0, 0.0, 0.7, 3.1] {
            let s: f32 = t.layers(d).iter().sum();
            assert!((s - 1.0).abs() < 0.01, "{d}: {s}");
        }
    }

    #[test]
    fn skipping_far_hull_edges_keeps_every_cells_validity() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |range: f32| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32 * range
        };
        let (mut skipped, mut whole_disc) = (0, 0);
        for _ in 0..40 {
            let pts: Vec<Point> = (0..40)
                .map(|_| (next(400.0), -next(500.0), next(TAU)))
                .collect();
            let hull = convex_hull(pts.iter().map(|&(x, y, _)| (x, y)));
            for &(x, y, angle) in &pts {
                let validity = Validity::around(&hull, x, y);
                match &validity {
                    Validity::Near(edges) if edges.len() < hull.len() => skipped += 1,
                    Validity::All => whole_disc += 1,
                    _ => {}
                }
                let (sin, cos) = angle.sin_cos();
                for &(_, u, v) in disc_cells() {
                    let (px, py) = (x + cos * u - sin * v, y + sin * u + cos * v);
                    assert_eq!(
                        validity.is_valid(px, py),
                        within_hull(&hull, px, py, OMEGA),
                        "cell at ({px}, {py})"
                    );
                }
            }
        }
        assert!(skipped > 100 && whole_disc > 10, "{skipped} {whole_disc}");
    }

    #[test]
    fn a_cylinder_is_identical_to_itself_and_rotation_invariant() {
        let pts: Vec<Point> = (0..30)
            .map(|i| {
                let a = i as f32 * 0.7;
                (
                    150.0 + 90.0 * (a * 1.3).cos() * (i as f32 / 30.0),
                    -150.0 + 90.0 * (a * 0.9).sin() * (i as f32 / 30.0),
                    a,
                )
            })
            .collect();
        let rot = 0.6f32;
        let (s, c) = rot.sin_cos();
        let rotated: Vec<Point> = pts
            .iter()
            .map(|&(x, y, a)| (c * x - s * y + 40.0, s * x + c * y - 10.0, a + rot))
            .collect();
        let a = cylinders(&pts);
        let b = cylinders(&rotated);
        assert!(!a.is_empty());
        let ca = &a[0];
        assert!((similarity(ca, ca) - 1.0).abs() < 1e-6);
        let cb = b.iter().find(|c| c.minutia == ca.minutia).unwrap();
        assert!(similarity(ca, cb) > 0.8, "{}", similarity(ca, cb));
    }
}
