//! Step 7: binarization. After zero-mean Gabor filtering, ridges are simply the positive
//! response inside the foreground.

use super::grid::BlockGrid;
use ndarray::Array2;

pub fn ridges(enhanced: &Array2<f32>, grid: &BlockGrid, mask: &Array2<bool>) -> Array2<bool> {
    Array2::from_shape_fn(enhanced.dim(), |(y, x)| {
        let (by, bx) = grid.block_of(y, x);
        mask[[by, bx]] && enhanced[[y, x]] > 0.0
    })
}
