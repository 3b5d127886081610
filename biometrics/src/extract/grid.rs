//! The block grid that ties pixel coordinates to block fields.

use super::BLOCK;

/// Image size and its division into [`BLOCK`]-sized blocks (the last row/column may be partial).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockGrid {
    pub width: usize,
    pub height: usize,
    pub bw: usize,
    pub bh: usize,
}

impl BlockGrid {
    pub fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            bw: width.div_ceil(BLOCK),
            bh: height.div_ceil(BLOCK),
        }
    }

    /// Pixel ranges (rows, columns) of block (by, bx).
    pub fn pixels(&self, by: usize, bx: usize) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let y0 = by * BLOCK;
        let x0 = bx * BLOCK;
        (
            y0..(y0 + BLOCK).min(self.height),
            x0..(x0 + BLOCK).min(self.width),
        )
    }

    /// The block holding pixel (y, x).
    pub fn block_of(&self, y: usize, x: usize) -> (usize, usize) {
        ((y / BLOCK).min(self.bh - 1), (x / BLOCK).min(self.bw - 1))
    }

    /// Block coordinates of pixel (y, x) as continuous values, block centres at integers; used
    /// for bilinear interpolation of block fields.
    pub fn block_pos(&self, y: usize, x: usize) -> (f32, f32) {
        let half = BLOCK as f32 / 2.0;
        (
            ((y as f32 + 0.5 - half) / BLOCK as f32).clamp(0.0, (self.bh - 1) as f32),
            ((x as f32 + 0.5 - half) / BLOCK as f32).clamp(0.0, (self.bw - 1) as f32),
        )
    }
}
