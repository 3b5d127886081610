//! Step 3: foreground segmentation. Ridges make a block's grey levels vary at the ridge
//! frequency; the background of a sensor image is flat apart from pixel noise, slow shading and
//! the odd speck of dust. So every block is measured by its ridge-band energy (the RMS of a
//! band-pass of the image, which ignores pixel noise and shading), and the mask is found by
//! hysteresis: blocks with clearly ridge-like energy seed it, and connected blocks join if they
//! clear a lower bar. A single bar relative to the strongest blocks loses the evenly light parts
//! of dry prints whose ridges are rows of dark dots (the dots set the high percentile; FVC2002
//! DB2 109_8 lost its lower third that way). The lower bar alone would wander into the faint
//! latent prints earlier fingers leave on the sensor, so growth stays near the convex hull of
//! the seeds: a fingertip is a convex blob, faint residue beside it is not part of it. The mask
//! is then cleaned (holes filled, ragged edges opened away).
//!
//! The levels were chosen on FVC2002 DB1_B/DB2_B (all-pairs EER, sweeping the lower bar over
//! 0.06–0.15 of the 95th percentile and the hull margin over 0.5–3 blocks): the old single bar
//! on raw block contrast gave 1.07 % / 2.50 %, this gives 0.70 % / 1.78 %. A hull over every
//! strong block the growth reaches (not only the seeds) measured the same EER but let grainy
//! background in beside small prints (DB2_B 110_6), so the seeds bound it.

use super::grid::BlockGrid;
use crate::geometry::{convex_hull, within_hull};
use ndarray::Array2;

/// Fraction of the high-percentile block energy a block needs to seed the foreground.
const SEED_RELATIVE: f32 = 0.3;
/// Fraction of the high-percentile block energy a block connected to the seeds needs to join.
const GROW_RELATIVE: f32 = 0.09;
/// How many times the background noise level (a low percentile of the block energy) a block
/// connected to the seeds needs to join: on a print with little contrast spread the relative
/// bar could sink into the noise.
const GROW_NOISE_FACTOR: f32 = 2.5;
/// How far (in blocks) outside the convex hull of the seeds growth may go. Half a block
/// cut the rounded ends of prints (DB2_B EER 2.50 %); 1.5 to 3 measured alike, so the tighter.
const HULL_MARGIN: f32 = 1.5;
/// Absolute floor in normalized units, so a near-blank image yields no foreground.
const ABSOLUTE_FLOOR: f32 = 0.04;
/// Half-widths of the band-pass box filters: the small one removes pixel noise, the large one
/// (about one ridge period wide at 500 ppi) removes the ridges themselves and slow shading.
const FINE_RADIUS: usize = 1;
const COARSE_RADIUS: usize = 4;

pub fn foreground(normalized: &Array2<f32>, grid: &BlockGrid) -> Array2<bool> {
    let energy = block_rms(&band_pass(normalized), grid);
    let levels = Levels::of(&energy);
    let strong = energy.mapv(|e| e > levels.seed);
    let weak = energy.mapv(|e| e > levels.grow);
    let seeds = largest_region(&strong);
    let extent = hull_extent(&seeds, HULL_MARGIN);
    let grown = grow(&seeds, &(&weak & &extent));
    clean(&grown)
}

/// Fills holes and opens ragged edges away.
fn clean(mask: &Array2<bool>) -> Array2<bool> {
    let filled = fill_holes(mask);
    let opened = dilate(&erode(&filled));
    // Opening can remove a thin finger entirely; keep the filled mask then.
    if opened.iter().any(|&m| m) {
        opened
    } else {
        filled
    }
}

/// Difference of two box means: keeps structure between a few pixels and a ridge period wide.
fn band_pass(values: &Array2<f32>) -> Array2<f32> {
    let sums = IntegralImage::new(values);
    let (h, w) = values.dim();
    Array2::from_shape_fn((h, w), |(y, x)| {
        sums.mean_around(y, x, FINE_RADIUS) - sums.mean_around(y, x, COARSE_RADIUS)
    })
}

/// Summed-area table, for box means in constant time (also the restoration's confidence).
pub(super) struct IntegralImage {
    /// `(h + 1) × (w + 1)`, row and column 0 are zero.
    sums: Array2<f64>,
}

impl IntegralImage {
    pub(super) fn new(values: &Array2<f32>) -> Self {
        let (h, w) = values.dim();
        let mut sums = Array2::<f64>::zeros((h + 1, w + 1));
        for y in 0..h {
            let mut row = 0.0f64;
            for x in 0..w {
                row += f64::from(values[[y, x]]);
                sums[[y + 1, x + 1]] = sums[[y, x + 1]] + row;
            }
        }
        Self { sums }
    }

    /// Mean of the square of half-width `r` around (y, x), clipped to the image.
    pub(super) fn mean_around(&self, y: usize, x: usize, r: usize) -> f32 {
        let (h, w) = (self.sums.dim().0 - 1, self.sums.dim().1 - 1);
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
        let s =
            self.sums[[y1, x1]] - self.sums[[y0, x1]] - self.sums[[y1, x0]] + self.sums[[y0, x0]];
        (s / ((y1 - y0) * (x1 - x0)) as f64) as f32
    }
}

/// Root mean square of the pixels of every block (the band-pass has about zero local mean).
fn block_rms(values: &Array2<f32>, grid: &BlockGrid) -> Array2<f32> {
    Array2::from_shape_fn((grid.bh, grid.bw), |(by, bx)| {
        let (ys, xs) = grid.pixels(by, bx);
        let n = (ys.len() * xs.len()).max(1) as f32;
        let s2: f32 = ys
            .flat_map(|y| values.row(y).into_iter().skip(xs.start).take(xs.len()))
            .map(|v| v * v)
            .sum();
        (s2 / n).sqrt()
    })
}

/// The two energy levels of the hysteresis.
struct Levels {
    /// A block above this is surely finger.
    seed: f32,
    /// A block above this is finger if it touches the foreground.
    grow: f32,
}

impl Levels {
    fn of(energy: &Array2<f32>) -> Self {
        let mut sorted: Vec<f32> = energy.iter().copied().collect();
        sorted.sort_by(f32::total_cmp);
        let at = |percent: usize| {
            sorted
                .get(sorted.len() * percent / 100)
                .copied()
                .unwrap_or_default()
        };
        let (p95, noise) = (at(95), at(10));
        let seed = (SEED_RELATIVE * p95).max(ABSOLUTE_FLOOR);
        let grow = (GROW_RELATIVE * p95)
            .max(GROW_NOISE_FACTOR * noise)
            .max(ABSOLUTE_FLOOR);
        Self {
            seed,
            grow: grow.min(seed),
        }
    }
}

/// The blocks inside the convex hull of the `true` blocks of `mask`, or within `margin` blocks
/// of it.
fn hull_extent(mask: &Array2<bool>, margin: f32) -> Array2<bool> {
    let blocks = mask
        .indexed_iter()
        .filter(|(_, m)| **m)
        .map(|((y, x), _)| (x as f32, y as f32));
    let hull = convex_hull(blocks);
    Array2::from_shape_fn(mask.dim(), |(y, x)| {
        within_hull(&hull, x as f32, y as f32, margin)
    })
}

/// Adds to `seeds` every `candidate` block 4-connected to them through other candidates.
fn grow(seeds: &Array2<bool>, candidates: &Array2<bool>) -> Array2<bool> {
    let (h, w) = seeds.dim();
    let mut mask = seeds.clone();
    let mut stack: Vec<(usize, usize)> = seeds
        .indexed_iter()
        .filter(|(_, s)| **s)
        .map(|(p, _)| p)
        .collect();
    while let Some((y, x)) = stack.pop() {
        for (ny, nx) in neighbours4(y, x, h, w) {
            if candidates[[ny, nx]] && !mask[[ny, nx]] {
                mask[[ny, nx]] = true;
                stack.push((ny, nx));
            }
        }
    }
    mask
}

/// Keeps the largest 4-connected region of `true` blocks.
fn largest_region(mask: &Array2<bool>) -> Array2<bool> {
    let (h, w) = mask.dim();
    let mut label = Array2::<u32>::zeros((h, w));
    let mut best = (0u32, 0usize);
    let mut next = 0u32;
    let mut stack = Vec::new();
    for y in 0..h {
        for x in 0..w {
            if !mask[[y, x]] || label[[y, x]] != 0 {
                continue;
            }
            next += 1;
            let mut size = 0;
            stack.push((y, x));
            label[[y, x]] = next;
            while let Some((cy, cx)) = stack.pop() {
                size += 1;
                for (ny, nx) in neighbours4(cy, cx, h, w) {
                    if mask[[ny, nx]] && label[[ny, nx]] == 0 {
                        label[[ny, nx]] = next;
                        stack.push((ny, nx));
                    }
                }
            }
            if size > best.1 {
                best = (next, size);
            }
        }
    }
    label.mapv(|l| l != 0 && l == best.0)
}

/// Background blocks not reachable from the image border become foreground.
fn fill_holes(mask: &Array2<bool>) -> Array2<bool> {
    let (h, w) = mask.dim();
    let mut outside = Array2::from_elem((h, w), false);
    let mut stack: Vec<(usize, usize)> = (0..h)
        .flat_map(|y| [(y, 0), (y, w - 1)])
        .chain((0..w).flat_map(|x| [(0, x), (h - 1, x)]))
        .filter(|&(y, x)| !mask[[y, x]])
        .collect();
    for &(y, x) in &stack {
        outside[[y, x]] = true;
    }
    while let Some((y, x)) = stack.pop() {
        for (ny, nx) in neighbours4(y, x, h, w) {
            if !mask[[ny, nx]] && !outside[[ny, nx]] {
                outside[[ny, nx]] = true;
                stack.push((ny, nx));
            }
        }
    }
    outside.mapv(|o| !o)
}

fn erode(mask: &Array2<bool>) -> Array2<bool> {
    let (h, w) = mask.dim();
    Array2::from_shape_fn((h, w), |(y, x)| {
        mask[[y, x]] && neighbours4(y, x, h, w).all(|(ny, nx)| mask[[ny, nx]])
    })
}

fn dilate(mask: &Array2<bool>) -> Array2<bool> {
    let (h, w) = mask.dim();
    Array2::from_shape_fn((h, w), |(y, x)| {
        mask[[y, x]] || neighbours4(y, x, h, w).any(|(ny, nx)| mask[[ny, nx]])
    })
}

fn neighbours4(y: usize, x: usize, h: usize, w: usize) -> impl Iterator<Item = (usize, usize)> {
    [
        (y.wrapping_sub(1), x),
        (y + 1, x),
        (y, x.wrapping_sub(1)),
        (y, x + 1),
    ]
    .into_iter()
    .filter(move |&(ny, nx)| ny < h && nx < w)
}

/// Chessboard distance, in blocks, from every foreground block to the nearest background block
/// or the image edge (0 for background). Minutiae near the edge of the print are unreliable.
pub fn inner_distance(mask: &Array2<bool>) -> Array2<u8> {
    let (h, w) = mask.dim();
    let mut dist = Array2::from_shape_fn((h, w), |(y, x)| {
        if !mask[[y, x]] {
            0u8
        } else {
            let edge = y.min(x).min(h - 1 - y).min(w - 1 - x) + 1;
            edge.min(255) as u8
        }
    });
    // Two chamfer passes (forward, backward) give the exact chessboard distance.
    for y in 0..h {
        for x in 0..w {
            let mut d = dist[[y, x]];
            for (dy, dx) in [(-1i64, -1i64), (-1, 0), (-1, 1), (0, -1)] {
                let (ny, nx) = (y as i64 + dy, x as i64 + dx);
                if ny >= 0 && nx >= 0 && (nx as usize) < w {
                    d = d.min(dist[[ny as usize, nx as usize]].saturating_add(1));
                }
            }
            dist[[y, x]] = d;
        }
    }
    for y in (0..h).rev() {
        for x in (0..w).rev() {
            let mut d = dist[[y, x]];
            for (dy, dx) in [(1i64, 1i64), (1, 0), (1, -1), (0, 1)] {
                let (ny, nx) = (y as i64 + dy, x as i64 + dx);
                if (ny as usize) < h && nx >= 0 && (nx as usize) < w {
                    d = d.min(dist[[ny as usize, nx as usize]].saturating_add(1));
                }
            }
            dist[[y, x]] = d;
        }
    }
    dist
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::BLOCK;
    use std::f32::consts::PI;

    /// Ridge period of the synthetic prints, pixels at 500 ppi.
    const PERIOD: f32 = 9.0;

    /// Deterministic uniform noise in `[-amplitude, amplitude]` (xorshift), so tests need no RNG.
    fn noise(w: usize, h: usize, amplitude: f32) -> Array2<f32> {
        let mut state = 0x2545_f491_u32;
        Array2::from_shape_fn((h, w), |_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            amplitude * (2.0 * (state as f32 / u32::MAX as f32) - 1.0)
        })
    }

    /// Horizontal ridges of the given amplitude over the blocks `rows` × `cols`.
    fn add_ridges(
        img: &mut Array2<f32>,
        rows: std::ops::Range<usize>,
        cols: std::ops::Range<usize>,
        amplitude: f32,
    ) {
        for y in rows.start * BLOCK..rows.end * BLOCK {
            for x in cols.start * BLOCK..cols.end * BLOCK {
                img[[y, x]] += amplitude * (2.0 * PI * y as f32 / PERIOD).sin();
            }
        }
    }

    /// Dark dots (3 × 3 px, high in normalized units) on the ridge crests of the blocks
    /// `rows` × `cols`, one every `spacing` pixels along each ridge.
    fn add_dots(
        img: &mut Array2<f32>,
        rows: std::ops::Range<usize>,
        cols: std::ops::Range<usize>,
        spacing: usize,
    ) {
        let crest = (PERIOD / 4.0).round() as usize;
        for y in (rows.start * BLOCK..rows.end * BLOCK).filter(|y| y % PERIOD as usize == crest) {
            for x in (cols.start * BLOCK..cols.end * BLOCK).step_by(spacing) {
                for (dy, dx) in (0..3).flat_map(|dy| (0..3).map(move |dx| (dy, dx))) {
                    if let Some(p) = img.get_mut([y + dy - 1, x + dx]) {
                        *p += 3.0;
                    }
                }
            }
        }
    }

    fn grid_of(img: &Array2<f32>) -> BlockGrid {
        BlockGrid::new(img.dim().1, img.dim().0)
    }

    fn all_in(
        mask: &Array2<bool>,
        rows: std::ops::Range<usize>,
        cols: std::ops::Range<usize>,
    ) -> bool {
        rows.flat_map(|y| cols.clone().map(move |x| (y, x)))
            .all(|p| mask[p])
    }

    /// A dry print: the ridges of the upper part and of the two sides are rows of big dark
    /// dots, those of the lower middle are evenly light (FVC2002 DB2 109_8 in miniature).
    /// Blocks are 16 × 20; the finger covers rows 2..18, columns 3..13.
    fn dry_print() -> Array2<f32> {
        let mut img = noise(16 * BLOCK, 20 * BLOCK, 0.1);
        add_ridges(&mut img, 2..18, 3..13, 0.4);
        add_dots(&mut img, 2..10, 3..13, 6);
        add_dots(&mut img, 10..18, 3..5, 6);
        add_dots(&mut img, 10..18, 11..13, 6);
        img
    }

    #[test]
    fn light_ridges_of_a_dotted_print_stay_in_the_foreground() {
        let img = dry_print();
        let grid = grid_of(&img);
        let energy = block_rms(&band_pass(&img), &grid);
        // The scene is the one a single bar fails: the light blocks are below the seed level.
        let seed = Levels::of(&energy).seed;
        let light = energy.slice(ndarray::s![10..18, 6..10]);
        assert!(light.iter().all(|&e| e < seed), "{energy:?}");
        let mask = foreground(&img, &grid);
        assert!(all_in(&mask, 3..17, 4..12), "{mask:?}");
    }

    #[test]
    fn flat_noisy_background_stays_out() {
        let mut img = dry_print();
        // Specks of dust on the sensor, away from the finger.
        for (y, x) in [(5, 30), (100, 20), (250, 240), (300, 30)] {
            img[[y, x]] += 4.0;
        }
        let mask = foreground(&img, &grid_of(&img));
        let outside = |y: usize, x: usize| !(1..19).contains(&y) || !(2..14).contains(&x);
        for ((y, x), &m) in mask.indexed_iter() {
            assert!(
                !(m && outside(y, x)),
                "block ({y}, {x}) is not finger: {mask:?}"
            );
        }
    }

    #[test]
    fn faint_residue_beside_the_print_stays_out() {
        // A strong print on the left, and a faint latent print left on the sensor by an earlier
        // finger running off to the right edge: ridge-like enough to pass the lower bar.
        let mut img = noise(24 * BLOCK, 16 * BLOCK, 0.1);
        add_ridges(&mut img, 2..14, 2..10, 1.5);
        add_ridges(&mut img, 4..10, 10..24, 0.25);
        let grid = grid_of(&img);
        let energy = block_rms(&band_pass(&img), &grid);
        let levels = Levels::of(&energy);
        assert!(energy[[6, 18]] > levels.grow && energy[[6, 18]] < levels.seed);
        let mask = foreground(&img, &grid);
        assert!(all_in(&mask, 3..13, 3..9), "{mask:?}");
        assert!(
            !mask.slice(ndarray::s![.., 12..]).iter().any(|&m| m),
            "{mask:?}"
        );
    }

    #[test]
    fn a_blank_image_has_no_foreground() {
        let img = Array2::zeros((10 * BLOCK, 10 * BLOCK));
        assert!(!foreground(&img, &grid_of(&img)).iter().any(|&m| m));
    }

    #[test]
    fn convex_hull_covers_the_concave_corner_and_its_margin_only() {
        // An L of blocks: its hull is the triangle (0,0)-(4,0)-(0,4) in (x, y), bounded by
        // x + y = 4; the block (3, 3) lies √2 ≈ 1.4 blocks outside it and (4, 4) 2√2 ≈ 2.8.
        let mut mask = Array2::from_elem((6, 6), false);
        for i in 0..5 {
            mask[[0, i]] = true;
            mask[[i, 0]] = true;
        }
        let within = |y: usize, x: usize, margin: f32| hull_extent(&mask, margin)[[y, x]];
        assert!(within(1, 1, 0.0) && within(2, 2, 0.0));
        assert!(!within(3, 3, 1.0) && within(3, 3, 1.5));
        assert!(!within(4, 4, 2.5) && within(4, 4, 3.0));
        assert!(!hull_extent(&Array2::from_elem((3, 3), false), 5.0)[[1, 1]]);
    }

    #[test]
    fn box_means_count_only_pixels_inside_the_image() {
        let a = Array2::from_shape_fn((7, 9), |(y, x)| (y * 9 + x) as f32 * 0.37 - 5.0);
        let r = 2;
        let sums = IntegralImage::new(&a);
        for ((y, x), _) in a.indexed_iter() {
            let (mut sum, mut n) = (0f64, 0);
            for yy in y.saturating_sub(r)..(y + r + 1).min(7) {
                for xx in x.saturating_sub(r)..(x + r + 1).min(9) {
                    sum += f64::from(a[[yy, xx]]);
                    n += 1;
                }
            }
            let m = sums.mean_around(y, x, r);
            assert!((f64::from(m) - sum / n as f64).abs() < 1e-4, "({y}, {x})");
        }
    }
}
