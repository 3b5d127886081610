//! Step 8: thinning to a one-pixel skeleton (Zhang & Suen 1984, table-driven), followed by a pass
//! that removes the redundant corner pixels Zhang–Suen leaves on diagonal staircases, so that
//! every skeleton pixel that is not a minutia has exactly two neighbours.

use ndarray::Array2;
use std::sync::OnceLock;

/// Neighbour offsets (dy, dx) in the order P2..P9 of Zhang & Suen: N, NE, E, SE, S, SW, W, NW.
pub const RING: [(i64, i64); 8] = [
    (-1, 0),
    (-1, 1),
    (0, 1),
    (1, 1),
    (1, 0),
    (1, -1),
    (0, -1),
    (-1, -1),
];

/// Bit i of the neighbourhood code is neighbour `RING[i]`.
pub fn code(px: &[u8], w: usize, i: usize) -> u8 {
    let up = i - w;
    let down = i + w;
    px[up]
        | px[up + 1] << 1
        | px[i + 1] << 2
        | px[down + 1] << 3
        | px[down] << 4
        | px[down - 1] << 5
        | px[i - 1] << 6
        | px[up - 1] << 7
}

/// Number of 0→1 transitions around the ring (Zhang–Suen's A(P), also the crossing number).
pub fn transitions(c: u8) -> u32 {
    // In a cycle 0→1 and 1→0 transitions are equally many; count the 1→0 ones.
    let rotated = c.rotate_right(1); // bit i holds neighbour i+1
    (!rotated & c).count_ones()
}

fn tables() -> &'static [[bool; 256]; 2] {
    static TABLES: OnceLock<[[bool; 256]; 2]> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut t = [[false; 256]; 2];
        for c in 0..=255u8 {
            let b = c.count_ones();
            let bit = |i: u32| c >> i & 1 == 1;
            let (n, e, s, w) = (bit(0), bit(2), bit(4), bit(6));
            let common = (2..=6).contains(&b) && transitions(c) == 1;
            t[0][c as usize] = common && !(n && e && s) && !(e && s && w);
            t[1][c as usize] = common && !(n && e && w) && !(n && s && w);
        }
        t
    })
}

pub fn zhang_suen(binary: &Array2<bool>) -> Array2<bool> {
    let (h, w) = binary.dim();
    // One pixel of background around the image, so neighbours never go out of bounds.
    let pw = w + 2;
    let mut px = vec![0u8; (h + 2) * pw];
    for ((y, x), &b) in binary.indexed_iter() {
        px[(y + 1) * pw + x + 1] = u8::from(b);
    }
    let tables = tables();
    // Only ridge pixels on the ridge's edge can be deleted (an interior pixel has eight set
    // neighbours, which both tables refuse), so only the frontier is examined: the edge pixels
    // at the start, then whatever each deletion exposes. The result equals the full scan.
    let mut queued = vec![false; px.len()];
    let mut frontier: Vec<usize> = (0..px.len())
        .filter(|&i| px[i] == 1 && code(&px, pw, i) != 0xFF)
        .collect();
    for &i in &frontier {
        queued[i] = true;
    }
    let neighbours = ring_offsets(pw);
    let mut doomed = Vec::new();
    loop {
        let mut changed = false;
        for table in tables {
            doomed.clear();
            doomed.extend(
                frontier
                    .iter()
                    .copied()
                    .filter(|&i| table[code(&px, pw, i) as usize]),
            );
            changed |= !doomed.is_empty();
            for &i in &doomed {
                px[i] = 0;
            }
            frontier.retain(|&i| px[i] == 1);
            for &i in &doomed {
                for &d in &neighbours {
                    let n = i.wrapping_add_signed(d);
                    if px[n] == 1 && !queued[n] {
                        queued[n] = true;
                        frontier.push(n);
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    remove_staircase_corners(&mut px, pw, h, w);
    Array2::from_shape_fn((h, w), |(y, x)| px[(y + 1) * pw + x + 1] == 1)
}

/// Index offsets of the eight neighbours in a row-major image `pw` wide.
fn ring_offsets(pw: usize) -> [isize; 8] {
    let pw = pw as isize;
    [-pw - 1, -pw, -pw + 1, -1, 1, pw - 1, pw, pw + 1]
}

/// A pixel whose only neighbours are two perpendicular 4-neighbours (plus, possibly, the diagonal
/// between them) is redundant: those neighbours touch each other diagonally.
fn remove_staircase_corners(px: &mut [u8], pw: usize, h: usize, w: usize) {
    const N: u8 = 1;
    const NE: u8 = 2;
    const E: u8 = 4;
    const SE: u8 = 8;
    const S: u8 = 16;
    const SW: u8 = 32;
    const W: u8 = 64;
    const NW: u8 = 128;
    let corners = [(N | E, NE), (E | S, SE), (S | W, SW), (W | N, NW)];
    for y in 1..=h {
        for i in y * pw + 1..y * pw + 1 + w {
            if px[i] == 0 {
                continue;
            }
            let c = code(px, pw, i);
            if corners
                .iter()
                .any(|&(pair, diag)| c == pair || c == pair | diag)
            {
                px[i] = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thick_bar_thins_to_a_line() {
        let bar = Array2::from_shape_fn((9, 30), |(y, x)| {
            (3..6).contains(&y) && (2..28).contains(&x)
        });
        let skel = zhang_suen(&bar);
        for x in 6..24 {
            let col: usize = (0..9).filter(|&y| skel[[y, x]]).count();
            assert_eq!(col, 1, "column {x}");
        }
    }

    #[test]
    fn crossing_number_counts_branches() {
        assert_eq!(transitions(0b0000_0001), 1); // one neighbour: ending
        assert_eq!(transitions(0b0001_0001), 2); // N and S: ridge
        assert_eq!(transitions(0b0101_0001), 3); // N, S, W: bifurcation
        assert_eq!(transitions(0b0000_0011), 1); // N and NE together count once
    }

    /// The textbook scan of every ridge pixel in every sub-iteration.
    fn zhang_suen_full_scan(binary: &Array2<bool>) -> Array2<bool> {
        let (h, w) = binary.dim();
        let pw = w + 2;
        let mut px = vec![0u8; (h + 2) * pw];
        for ((y, x), &b) in binary.indexed_iter() {
            px[(y + 1) * pw + x + 1] = u8::from(b);
        }
        loop {
            let mut changed = false;
            for table in tables() {
                let doomed: Vec<usize> = (0..px.len())
                    .filter(|&i| px[i] == 1 && table[code(&px, pw, i) as usize])
                    .collect();
                changed |= !doomed.is_empty();
                for i in doomed {
                    px[i] = 0;
                }
            }
            if !changed {
                break;
            }
        }
        remove_staircase_corners(&mut px, pw, h, w);
        Array2::from_shape_fn((h, w), |(y, x)| px[(y + 1) * pw + x + 1] == 1)
    }

    #[test]
    fn frontier_thinning_equals_the_full_scan() {
        // Blobs, thick wavy ridges, a hole and a one-pixel line: shapes that exercise deletions
        // exposing new frontier pixels several layers deep.
        let img = Array2::from_shape_fn((60, 80), |(y, x)| {
            let (fy, fx) = (y as f32, x as f32);
            let wave = ((fx * 0.3).sin() * 4.0 + fy * 0.7).rem_euclid(9.0) < 5.0;
            let blob = (fx - 55.0).hypot(fy - 30.0) < 14.0 && (fx - 55.0).hypot(fy - 30.0) > 4.0;
            (x < 35 && wave) || blob || (y == 5 && x > 40)
        });
        assert_eq!(zhang_suen(&img), zhang_suen_full_scan(&img));
    }
}
