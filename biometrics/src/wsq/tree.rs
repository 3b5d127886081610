//! The two layouts of the WSQ subband decomposition (FBI WSQ spec v3.1, §A and tables A.1/A.2).
//!
//! The *wavelet tree* lists the 20 rectangles that are split, in order, by one horizontal and
//! one vertical two-channel filter pass each; the *quantisation tree* lists the 64 subbands
//! (60 of them coded) that result. Rectangles are given in the coordinates of the in-place
//! decomposition (the subbands overwrite the image buffer). The odd-length rules (which half
//! gets the extra sample) follow the specification's tables exactly; an encoder and a decoder
//! that disagree here produce shifted subbands, so this is checked against NBIS-written files.

/// Number of splits in the wavelet tree.
pub const W_TREE_LEN: usize = 20;
/// Number of subbands in the quantisation tree (only the first [`NUM_SUBBANDS`] carry data).
pub const Q_TREE_LEN: usize = 64;
/// Subbands that carry data; 60–63 are always zero at 500 ppi.
pub const NUM_SUBBANDS: usize = 60;
/// First subband of Huffman block 2 (block 1 is subbands 0–18).
pub const START_BLOCK_2: usize = 19;
/// First subband of Huffman block 3.
pub const START_BLOCK_3: usize = 52;

/// One rectangle split by a horizontal then a vertical filter pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WNode {
    pub x: usize,
    pub y: usize,
    pub lenx: usize,
    pub leny: usize,
    /// The row pass puts the high-pass half first (spectral inversion).
    pub inv_rw: bool,
    /// The column pass puts the high-pass half first.
    pub inv_cl: bool,
}

/// One subband rectangle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QNode {
    pub x: usize,
    pub y: usize,
    pub lenx: usize,
    pub leny: usize,
}

impl QNode {
    pub fn area(&self) -> usize {
        self.lenx * self.leny
    }
}

/// Both trees for one image size.
#[derive(Debug, Clone)]
pub struct Trees {
    pub w: [WNode; W_TREE_LEN],
    pub q: [QNode; Q_TREE_LEN],
}

impl Trees {
    pub fn new(width: usize, height: usize) -> Self {
        let w = build_w_tree(width, height);
        let q = build_q_tree(&w);
        Self { w, q }
    }
}

fn build_w_tree(width: usize, height: usize) -> [WNode; W_TREE_LEN] {
    let mut w = [WNode::default(); W_TREE_LEN];
    for i in [2, 4, 7, 9, 11, 13, 16, 18] {
        w[i].inv_rw = true;
    }
    for i in [3, 5, 8, 9, 12, 13, 17, 18] {
        w[i].inv_cl = true;
    }
    w_tree4(&mut w, 0, 1, width, height, 0, 0, true);
    let (lenx, lenx2) = halves(w[1].lenx);
    let (leny, leny2) = halves(w[1].leny);
    w_tree4(&mut w, 4, 6, lenx2, leny, lenx, 0, false);
    w_tree4(&mut w, 5, 10, lenx, leny2, 0, leny, false);
    w_tree4(&mut w, 14, 15, lenx, leny, 0, 0, false);
    w[19].x = 0;
    w[19].y = 0;
    w[19].lenx = w[15].lenx.div_ceil(2);
    w[19].leny = w[15].leny.div_ceil(2);
    w
}

/// Larger and smaller half of an odd length (equal halves when even).
fn halves(len: usize) -> (usize, usize) {
    if len.is_multiple_of(2) {
        (len / 2, len / 2)
    } else {
        (len.div_ceil(2), len / 2)
    }
}

#[allow(clippy::too_many_arguments)]
fn w_tree4(
    w: &mut [WNode; W_TREE_LEN],
    p1: usize,
    p2: usize,
    lenx: usize,
    leny: usize,
    x: usize,
    y: usize,
    stop1: bool,
) {
    let evenx = lenx.is_multiple_of(2);
    let eveny = leny.is_multiple_of(2);
    w[p1].x = x;
    w[p1].y = y;
    w[p1].lenx = lenx;
    w[p1].leny = leny;

    w[p2].x = x;
    w[p2 + 2].x = x;
    w[p2].y = y;
    w[p2 + 1].y = y;

    if evenx {
        w[p2].lenx = lenx / 2;
        w[p2 + 1].lenx = w[p2].lenx;
    } else if p1 == 4 {
        w[p2].lenx = (lenx - 1) / 2;
        w[p2 + 1].lenx = w[p2].lenx + 1;
    } else {
        w[p2].lenx = lenx.div_ceil(2);
        w[p2 + 1].lenx = w[p2].lenx - 1;
    }
    w[p2 + 1].x = w[p2].lenx + x;
    if !stop1 {
        w[p2 + 3].lenx = w[p2 + 1].lenx;
        w[p2 + 3].x = w[p2 + 1].x;
    }
    w[p2 + 2].lenx = w[p2].lenx;

    if eveny {
        w[p2].leny = leny / 2;
        w[p2 + 2].leny = w[p2].leny;
    } else if p1 == 5 {
        w[p2].leny = (leny - 1) / 2;
        w[p2 + 2].leny = w[p2].leny + 1;
    } else {
        w[p2].leny = leny.div_ceil(2);
        w[p2 + 2].leny = w[p2].leny - 1;
    }
    w[p2 + 2].y = w[p2].leny + y;
    if !stop1 {
        w[p2 + 3].leny = w[p2 + 2].leny;
        w[p2 + 3].y = w[p2 + 2].y;
    }
    w[p2 + 1].leny = w[p2].leny;
}

fn build_q_tree(w: &[WNode; W_TREE_LEN]) -> [QNode; Q_TREE_LEN] {
    let mut q = [QNode::default(); Q_TREE_LEN];
    q_tree16(&mut q, 3, &w[14], false, false);
    q_tree16(&mut q, 19, &w[4], false, true);
    q_tree16(&mut q, 48, &w[0], false, false);
    q_tree16(&mut q, 35, &w[5], true, false);
    q_tree4(&mut q, 0, w[19].lenx, w[19].leny, w[19].x, w[19].y);
    q
}

fn q_tree16(q: &mut [QNode; Q_TREE_LEN], p: usize, n: &WNode, rw: bool, cl: bool) {
    let (lenx, leny, x, y) = (n.lenx, n.leny, n.x, n.y);
    let (tempx, temp2x) = if lenx % 2 == 0 {
        (lenx / 2, lenx / 2)
    } else if cl {
        (lenx / 2, lenx.div_ceil(2))
    } else {
        (lenx.div_ceil(2), lenx / 2)
    };
    let (tempy, temp2y) = if leny % 2 == 0 {
        (leny / 2, leny / 2)
    } else if rw {
        (leny / 2, leny.div_ceil(2))
    } else {
        (leny.div_ceil(2), leny / 2)
    };

    q[p].x = x;
    q[p + 2].x = x;
    q[p].y = y;
    q[p + 1].y = y;
    if tempx % 2 == 0 {
        q[p].lenx = tempx / 2;
        q[p + 1].lenx = q[p].lenx;
        q[p + 2].lenx = q[p].lenx;
        q[p + 3].lenx = q[p].lenx;
    } else {
        q[p].lenx = tempx.div_ceil(2);
        q[p + 1].lenx = q[p].lenx - 1;
        q[p + 2].lenx = q[p].lenx;
        q[p + 3].lenx = q[p + 1].lenx;
    }
    q[p + 1].x = x + q[p].lenx;
    q[p + 3].x = q[p + 1].x;
    if tempy % 2 == 0 {
        q[p].leny = tempy / 2;
        q[p + 1].leny = q[p].leny;
        q[p + 2].leny = q[p].leny;
        q[p + 3].leny = q[p].leny;
    } else {
        q[p].leny = tempy.div_ceil(2);
        q[p + 1].leny = q[p].leny;
        q[p + 2].leny = q[p].leny - 1;
        q[p + 3].leny = q[p + 2].leny;
    }
    q[p + 2].y = y + q[p].leny;
    q[p + 3].y = q[p + 2].y;

    q[p + 4].x = x + tempx;
    q[p + 6].x = q[p + 4].x;
    q[p + 4].y = y;
    q[p + 5].y = y;
    q[p + 6].y = q[p + 2].y;
    q[p + 7].y = q[p + 2].y;
    q[p + 4].leny = q[p].leny;
    q[p + 5].leny = q[p].leny;
    q[p + 6].leny = q[p + 2].leny;
    q[p + 7].leny = q[p + 2].leny;
    if temp2x % 2 == 0 {
        q[p + 4].lenx = temp2x / 2;
        q[p + 5].lenx = q[p + 4].lenx;
        q[p + 6].lenx = q[p + 4].lenx;
        q[p + 7].lenx = q[p + 4].lenx;
    } else {
        q[p + 5].lenx = temp2x.div_ceil(2);
        q[p + 4].lenx = q[p + 5].lenx - 1;
        q[p + 6].lenx = q[p + 4].lenx;
        q[p + 7].lenx = q[p + 5].lenx;
    }
    q[p + 5].x = q[p + 4].x + q[p + 4].lenx;
    q[p + 7].x = q[p + 5].x;

    q[p + 8].x = x;
    q[p + 9].x = q[p + 1].x;
    q[p + 10].x = x;
    q[p + 11].x = q[p + 1].x;
    q[p + 8].y = y + tempy;
    q[p + 9].y = q[p + 8].y;
    q[p + 8].lenx = q[p].lenx;
    q[p + 9].lenx = q[p + 1].lenx;
    q[p + 10].lenx = q[p].lenx;
    q[p + 11].lenx = q[p + 1].lenx;
    if temp2y % 2 == 0 {
        q[p + 8].leny = temp2y / 2;
        q[p + 9].leny = q[p + 8].leny;
        q[p + 10].leny = q[p + 8].leny;
        q[p + 11].leny = q[p + 8].leny;
    } else {
        q[p + 10].leny = temp2y.div_ceil(2);
        q[p + 11].leny = q[p + 10].leny;
        q[p + 8].leny = q[p + 10].leny - 1;
        q[p + 9].leny = q[p + 8].leny;
    }
    q[p + 10].y = q[p + 8].y + q[p + 8].leny;
    q[p + 11].y = q[p + 10].y;

    q[p + 12].x = q[p + 4].x;
    q[p + 13].x = q[p + 5].x;
    q[p + 14].x = q[p + 4].x;
    q[p + 15].x = q[p + 5].x;
    q[p + 12].y = q[p + 8].y;
    q[p + 13].y = q[p + 8].y;
    q[p + 14].y = q[p + 10].y;
    q[p + 15].y = q[p + 10].y;
    q[p + 12].lenx = q[p + 4].lenx;
    q[p + 13].lenx = q[p + 5].lenx;
    q[p + 14].lenx = q[p + 4].lenx;
    q[p + 15].lenx = q[p + 5].lenx;
    q[p + 12].leny = q[p + 8].leny;
    q[p + 13].leny = q[p + 8].leny;
    q[p + 14].leny = q[p + 10].leny;
    q[p + 15].leny = q[p + 10].leny;
}

fn q_tree4(q: &mut [QNode; Q_TREE_LEN], p: usize, lenx: usize, leny: usize, x: usize, y: usize) {
    q[p].x = x;
    q[p + 2].x = x;
    q[p].y = y;
    q[p + 1].y = y;
    if lenx.is_multiple_of(2) {
        q[p].lenx = lenx / 2;
        q[p + 1].lenx = q[p].lenx;
        q[p + 2].lenx = q[p].lenx;
        q[p + 3].lenx = q[p].lenx;
    } else {
        q[p].lenx = lenx.div_ceil(2);
        q[p + 1].lenx = q[p].lenx - 1;
        q[p + 2].lenx = q[p].lenx;
        q[p + 3].lenx = q[p + 1].lenx;
    }
    q[p + 1].x = x + q[p].lenx;
    q[p + 3].x = q[p + 1].x;
    if leny.is_multiple_of(2) {
        q[p].leny = leny / 2;
        q[p + 1].leny = q[p].leny;
        q[p + 2].leny = q[p].leny;
        q[p + 3].leny = q[p].leny;
    } else {
        q[p].leny = leny.div_ceil(2);
        q[p + 1].leny = q[p].leny;
        q[p + 2].leny = q[p].leny - 1;
        q[p + 3].leny = q[p + 2].leny;
    }
    q[p + 2].y = y + q[p].leny;
    q[p + 3].y = q[p + 2].y;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 64 subbands tile the image exactly once (no overlap, no gap), for even and odd
    /// sizes alike — the property both the encoder and decoder rely on.
    #[test]
    fn subbands_tile_the_image() {
        for (w, h) in [(388, 374), (296, 560), (512, 512), (257, 311), (64, 65)] {
            let t = Trees::new(w, h);
            let mut cover = vec![0u8; w * h];
            for n in &t.q {
                for y in n.y..n.y + n.leny {
                    for x in n.x..n.x + n.lenx {
                        cover[y * w + x] += 1;
                    }
                }
            }
            let wrong = cover.iter().filter(|&&c| c != 1).count();
            assert_eq!(wrong, 0, "{w}×{h}: {wrong} pixels not covered exactly once");
        }
    }
}
