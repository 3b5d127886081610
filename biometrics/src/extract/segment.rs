//! Step 3: foreground segmentation. Ridges make a block's grey levels vary; the background of a
//! sensor image is flat. Blocks whose standard deviation clears a threshold relative to the
//! image's own contrast are foreground; the mask is then cleaned (largest region, holes filled,
//! ragged edges opened away).

use super::grid::BlockGrid;
use ndarray::Array2;

/// Fraction of the high-percentile block contrast a block needs to count as finger.
const RELATIVE_THRESHOLD: f32 = 0.3;
/// Absolute floor in normalized units, so a near-blank image yields no foreground.
const ABSOLUTE_FLOOR: f32 = 0.12;

pub fn foreground(normalized: &Array2<f32>, grid: &BlockGrid) -> Array2<bool> {
    let std = block_std(normalized, grid);
    let threshold = contrast_threshold(&std);
    let raw = std.mapv(|s| s > threshold);
    let largest = largest_region(&raw);
    let filled = fill_holes(&largest);
    let opened = dilate(&erode(&filled));
    // Opening can remove a thin finger entirely; keep the filled mask then.
    if opened.iter().any(|&m| m) {
        opened
    } else {
        filled
    }
}

/// Standard deviation of the pixels of every block.
pub fn block_std(values: &Array2<f32>, grid: &BlockGrid) -> Array2<f32> {
    Array2::from_shape_fn((grid.bh, grid.bw), |(by, bx)| {
        let (ys, xs) = grid.pixels(by, bx);
        let (mut s, mut s2, mut n) = (0.0f32, 0.0f32, 0.0f32);
        for y in ys {
            for &v in values.row(y).iter().skip(xs.start).take(xs.len()) {
                s += v;
                s2 += v * v;
                n += 1.0;
            }
        }
        let mean = s / n.max(1.0);
        (s2 / n.max(1.0) - mean * mean).max(0.0).sqrt()
    })
}

fn contrast_threshold(std: &Array2<f32>) -> f32 {
    let mut sorted: Vec<f32> = std.iter().copied().collect();
    sorted.sort_by(f32::total_cmp);
    let p95 = sorted
        .get(sorted.len() * 95 / 100)
        .copied()
        .unwrap_or_default();
    (RELATIVE_THRESHOLD * p95).max(ABSOLUTE_FLOOR)
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
