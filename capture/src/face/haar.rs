//! Viola–Jones detection with OpenCV's trained Haar cascades, evaluated in Rust.
//!
//! Reads the OpenCV ≥ 2.4 XML cascade format (`<cascade>` with `<stages>` of boosted stumps and
//! `<features>` of weighted rectangles), as shipped by Debian's `opencv-data`
//! (`/usr/share/opencv4/haarcascades/`). Evaluation follows OpenCV's `HaarEvaluator`: an image
//! pyramid (each level resized bilinearly), integral and squared-integral images, a window's
//! feature sums scaled by 1/σ of its inner (w−2)×(h−2) area, stumps summed per stage against
//! the stage threshold, and finally OpenCV's neighbour grouping of the raw hits.

use fast_image_resize::Resizer;
use image::GrayImage;
use thiserror::Error;

use crate::imaging::resize_grey_into;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CascadeError {
    #[error("cascade XML is malformed: {0}")]
    Xml(String),
    #[error("cascade lacks <{0}>")]
    Missing(&'static str),
    #[error("cascade value is not a number: {0:?}")]
    Number(String),
    #[error("unsupported cascade: {0}")]
    Unsupported(&'static str),
    #[error("weak classifier refers to feature {0}, which does not exist")]
    FeatureIndex(usize),
    #[error("cannot read cascade file {0}: {1}")]
    Io(String, String),
}

/// A rectangle in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

impl Rect {
    pub fn centre(&self) -> (f32, f32) {
        (
            self.x as f32 + self.w as f32 / 2.0,
            self.y as f32 + self.h as f32 / 2.0,
        )
    }
}

#[derive(Debug, Clone, Copy)]
struct WeightedRect {
    x: u8,
    y: u8,
    w: u8,
    h: u8,
    weight: f32,
}

#[derive(Debug, Clone)]
struct Feature {
    rects: Vec<WeightedRect>,
}

#[derive(Debug, Clone, Copy)]
struct Stump {
    feature: usize,
    threshold: f32,
    left: f32,
    right: f32,
}

#[derive(Debug, Clone)]
struct Stage {
    threshold: f32,
    stumps: Vec<Stump>,
}

/// A trained cascade classifier.
#[derive(Debug, Clone)]
pub struct Cascade {
    width: u32,
    height: u32,
    stages: Vec<Stage>,
    features: Vec<Feature>,
}

/// OpenCV subtracts this from stage thresholds when reading them.
const THRESHOLD_EPS: f32 = 1e-5;

fn child<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    name: &'static str,
) -> Result<roxmltree::Node<'a, 'i>, CascadeError> {
    node.children()
        .find(|c| c.has_tag_name(name))
        .ok_or(CascadeError::Missing(name))
}

fn items<'a, 'i>(node: roxmltree::Node<'a, 'i>) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
    node.children().filter(|c| c.is_element())
}

fn numbers(node: roxmltree::Node<'_, '_>) -> Result<Vec<f64>, CascadeError> {
    node.text()
        .unwrap_or("")
        .split_whitespace()
        .map(|t| {
            t.parse::<f64>()
                .map_err(|_| CascadeError::Number(t.to_owned()))
        })
        .collect()
}

fn number(node: roxmltree::Node<'_, '_>) -> Result<f64, CascadeError> {
    numbers(node)?
        .first()
        .copied()
        .ok_or_else(|| CascadeError::Number(String::new()))
}

impl Cascade {
    pub fn from_file(path: &std::path::Path) -> Result<Self, CascadeError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CascadeError::Io(path.display().to_string(), e.to_string()))?;
        Self::from_xml(&text)
    }

    /// Parses an OpenCV cascade XML document.
    pub fn from_xml(text: &str) -> Result<Self, CascadeError> {
        let doc = roxmltree::Document::parse(text).map_err(|e| CascadeError::Xml(e.to_string()))?;
        let cascade = doc
            .descendants()
            .find(|n| n.has_tag_name("cascade"))
            .ok_or(CascadeError::Missing("cascade"))?;
        if let Ok(t) = child(cascade, "featureType")
            && t.text().map(str::trim) != Some("HAAR")
        {
            return Err(CascadeError::Unsupported("only HAAR features"));
        }
        let width = number(child(cascade, "width")?)? as u32;
        let height = number(child(cascade, "height")?)? as u32;
        if !(4..=255).contains(&width) || !(4..=255).contains(&height) {
            return Err(CascadeError::Unsupported("window size outside 4..255"));
        }

        let mut features = Vec::new();
        for f in items(child(cascade, "features")?) {
            if let Ok(t) = child(f, "tilted")
                && number(t)? != 0.0
            {
                return Err(CascadeError::Unsupported("tilted features"));
            }
            let mut rects = Vec::new();
            for r in items(child(f, "rects")?) {
                let v = numbers(r)?;
                let [x, y, w, h, weight] = v[..] else {
                    return Err(CascadeError::Number(format!("{v:?}")));
                };
                let fits =
                    |a: f64, b: f64, max: u32| a >= 0.0 && b > 0.0 && a + b <= f64::from(max);
                if !fits(x, w, width) || !fits(y, h, height) {
                    return Err(CascadeError::Unsupported(
                        "feature rectangle outside the window",
                    ));
                }
                rects.push(WeightedRect {
                    x: x as u8,
                    y: y as u8,
                    w: w as u8,
                    h: h as u8,
                    weight: weight as f32,
                });
            }
            if rects.is_empty() || rects.len() > 3 {
                return Err(CascadeError::Unsupported("features need 1 to 3 rectangles"));
            }
            features.push(Feature { rects });
        }

        let mut stages = Vec::new();
        for s in items(child(cascade, "stages")?) {
            let threshold = number(child(s, "stageThreshold")?)? as f32 - THRESHOLD_EPS;
            let mut stumps = Vec::new();
            for weak in items(child(s, "weakClassifiers")?) {
                let nodes = numbers(child(weak, "internalNodes")?)?;
                let leaves = numbers(child(weak, "leafValues")?)?;
                // A stump is one node "0 -1 featureIdx threshold" with two leaves.
                let ([_, _, feature, threshold], [left, right]) = (&nodes[..], &leaves[..]) else {
                    return Err(CascadeError::Unsupported(
                        "only stump (depth-1) classifiers",
                    ));
                };
                let feature = *feature as usize;
                if feature >= features.len() {
                    return Err(CascadeError::FeatureIndex(feature));
                }
                stumps.push(Stump {
                    feature,
                    threshold: *threshold as f32,
                    left: *left as f32,
                    right: *right as f32,
                });
            }
            stages.push(Stage { threshold, stumps });
        }
        if stages.is_empty() {
            return Err(CascadeError::Missing("stages"));
        }
        Ok(Self {
            width,
            height,
            stages,
            features,
        })
    }

    pub fn window(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    pub fn stage_count(&self) -> usize {
        self.stages.len()
    }
}

/// Detection parameters, named as in OpenCV's `detectMultiScale`.
#[derive(Debug, Clone, Copy)]
pub struct DetectParams {
    pub scale_factor: f32,
    pub min_neighbors: usize,
    /// Smallest object side in pixels (of the analysed image).
    pub min_size: u32,
    /// Largest object side in pixels (0: no limit).
    pub max_size: u32,
}

impl Default for DetectParams {
    fn default() -> Self {
        Self {
            scale_factor: 1.1,
            min_neighbors: 3,
            min_size: 0,
            max_size: 0,
        }
    }
}

/// A grouped detection and how many raw windows voted for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detection {
    pub rect: Rect,
    pub neighbors: usize,
}

/// Integral and squared-integral images with a one-pixel zero border (OpenCV layout), sized
/// once for the largest pyramid level and reused for the smaller ones at the same stride, so
/// the cascade's rectangle offsets are computed once per detection.
struct Integral {
    stride: usize,
    sum: Vec<i32>,
    /// Squared sums wrap modulo 2³² (as OpenCV's 32-bit `sqsum`): a window's difference of
    /// four corners is still exact, because no window's true sum of squares reaches 2³².
    sq: Vec<u32>,
}

impl Integral {
    fn with_capacity(w: usize, h: usize) -> Self {
        let stride = w + 1;
        Self {
            stride,
            sum: vec![0; stride * (h + 1)],
            sq: vec![0; stride * (h + 1)],
        }
    }

    /// Fills the top-left (w+1)×(h+1) corner from `px` (w×h, row-major).
    fn fill(&mut self, px: &[u8], w: usize, h: usize) {
        let stride = self.stride;
        debug_assert!(w < stride && (h + 1) * stride <= self.sum.len());
        for y in 0..h {
            let (mut row, mut row_sq) = (0i32, 0u32);
            let above = y * stride;
            let here = above + stride;
            for (x, &p) in px[y * w..(y + 1) * w].iter().enumerate() {
                let v = i32::from(p);
                row += v;
                row_sq = row_sq.wrapping_add((v * v) as u32);
                self.sum[here + x + 1] = self.sum[above + x + 1] + row;
                self.sq[here + x + 1] = self.sq[above + x + 1].wrapping_add(row_sq);
            }
        }
    }
}

/// A feature rectangle as four corner offsets from a window's top-left integral entry.
#[derive(Clone, Copy, Default)]
struct OptRect {
    p: [u32; 4],
    weight: f32,
}

impl OptRect {
    fn new(x: usize, y: usize, w: usize, h: usize, stride: usize, weight: f32) -> Self {
        let o = |x: usize, y: usize| (y * stride + x) as u32;
        Self {
            p: [o(x, y), o(x + w, y), o(x, y + h), o(x + w, y + h)],
            weight,
        }
    }

    #[inline(always)]
    fn sum_i32(&self, s: &[i32], base: usize) -> i32 {
        let at = |i: u32| s[base + i as usize];
        at(self.p[0]) - at(self.p[1]) - at(self.p[2]) + at(self.p[3])
    }
}

/// A stump with its feature's rectangles inlined (unused third rectangle: weight 0), laid out
/// flat in stage order so evaluation walks memory forwards.
#[derive(Clone, Copy)]
struct OptStump {
    rects: [OptRect; 3],
    threshold: f32,
    left: f32,
    right: f32,
}

/// The cascade compiled against one integral-image stride.
struct OptCascade {
    stumps: Vec<OptStump>,
    /// (end index into `stumps`, stage threshold) per stage.
    stages: Vec<(usize, f32)>,
    norm: OptRect,
    area: f64,
    window: (usize, usize),
}

/// How a window fared: the stage that rejected it, or accepted by all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Too little contrast to hold the object (σ ≤ 10 grey levels).
    Flat,
    Rejected {
        stage: usize,
    },
    Accepted,
}

impl OptCascade {
    /// Runs the cascade on the window whose top-left integral entry is `base`.
    #[inline]
    fn classify(&self, ii: &Integral, base: usize) -> Verdict {
        let s = self.norm.sum_i32(&ii.sum, base) as f64;
        let q = self.norm.p;
        let at = |i: u32| ii.sq[base + i as usize];
        let sq = at(q[0])
            .wrapping_sub(at(q[1]))
            .wrapping_sub(at(q[2]))
            .wrapping_add(at(q[3])) as f64;
        let nf = self.area * sq - s * s;
        // Flat windows (σ ≤ 10 grey levels) hold no face: OpenCV skips them the same way.
        if nf <= 0.0 || self.area / nf.sqrt() >= 0.1 {
            return Verdict::Flat;
        }
        // Compare each feature with its threshold scaled by the window's norm instead of
        // dividing every feature value by it.
        let nf = nf.sqrt() as f32;
        let mut start = 0;
        for (stage, &(end, threshold)) in self.stages.iter().enumerate() {
            let mut total = 0.0f32;
            for st in &self.stumps[start..end] {
                let [a, b, c] = &st.rects;
                let value = a.weight * a.sum_i32(&ii.sum, base) as f32
                    + b.weight * b.sum_i32(&ii.sum, base) as f32
                    + c.weight * c.sum_i32(&ii.sum, base) as f32;
                total += if value < st.threshold * nf {
                    st.left
                } else {
                    st.right
                };
            }
            if total < threshold {
                return Verdict::Rejected { stage };
            }
            start = end;
        }
        Verdict::Accepted
    }
}

impl Cascade {
    /// Lays the cascade out for integral images of row stride `stride`.
    fn compile(&self, stride: usize) -> OptCascade {
        let rect = |r: &WeightedRect| {
            OptRect::new(
                r.x.into(),
                r.y.into(),
                r.w.into(),
                r.h.into(),
                stride,
                r.weight,
            )
        };
        let mut stumps = Vec::new();
        let mut stages = Vec::with_capacity(self.stages.len());
        for stage in &self.stages {
            for s in &stage.stumps {
                let mut rects = [OptRect::default(); 3];
                for (slot, r) in rects.iter_mut().zip(&self.features[s.feature].rects) {
                    *slot = rect(r);
                }
                stumps.push(OptStump {
                    rects,
                    threshold: s.threshold,
                    left: s.left,
                    right: s.right,
                });
            }
            stages.push((stumps.len(), stage.threshold));
        }
        let (ww, wh) = (self.width as usize, self.height as usize);
        OptCascade {
            stumps,
            stages,
            norm: OptRect::new(1, 1, ww - 2, wh - 2, stride, 1.0),
            area: ((ww - 2) * (wh - 2)) as f64,
            window: (ww, wh),
        }
    }

    /// Multi-scale detection on a grey image (OpenCV `detectMultiScale` semantics).
    pub fn detect(&self, img: &GrayImage, params: &DetectParams) -> Vec<Detection> {
        let raw = self.detect_raw(img, params);
        group_rectangles(&raw, params.min_neighbors, 0.2)
    }

    /// Raw hits over the pyramid of scales that `params` allows, in `img` pixels.
    fn detect_raw(&self, img: &GrayImage, params: &DetectParams) -> Vec<Rect> {
        let (iw, ih) = img.dimensions();
        let mut ii = Integral::with_capacity(iw as usize, ih as usize);
        let opt = self.compile(ii.stride);
        let mut resizer = Resizer::new();
        let mut level = Vec::new();
        let mut hits = Vec::new();
        for (factor, (lw, lh)) in self.scales(img.dimensions(), params) {
            let px: &[u8] = if (lw, lh) == (iw, ih) {
                img.as_raw()
            } else {
                match resize_grey_into(img, (lw, lh), &mut level, &mut resizer) {
                    Ok(()) => &level,
                    Err(_) => break,
                }
            };
            ii.fill(px, lw as usize, lh as usize);
            // Every other position on every level: the step in image pixels grows with the
            // scale (2·factor), about 8 % of the window, which still gives a real face several
            // neighbouring hits. (OpenCV steps by 1 beyond factor 2, four times the windows.)
            let step = 2;
            let (win_w, win_h) = (
                (self.width as f32 * factor).round() as i32,
                (self.height as f32 * factor).round() as i32,
            );
            scan_level(&opt, &ii, (lw as usize, lh as usize), step, |x, y| {
                hits.push(Rect {
                    x: (x as f32 * factor).round() as i32,
                    y: (y as f32 * factor).round() as i32,
                    w: win_w,
                    h: win_h,
                })
            });
        }
        hits
    }

    /// The pyramid: (scale factor, level size) for every window size from `min_size` to
    /// `max_size` (or the image), growing by `scale_factor`.
    fn scales(&self, (iw, ih): (u32, u32), params: &DetectParams) -> Vec<(f32, (u32, u32))> {
        let step = params.scale_factor.max(1.01);
        let mut out = Vec::new();
        let mut factor = 1.0f32;
        loop {
            let win = (
                (self.width as f32 * factor).round() as u32,
                (self.height as f32 * factor).round() as u32,
            );
            let size = (
                (iw as f32 / factor).round() as u32,
                (ih as f32 / factor).round() as u32,
            );
            if size.0 < self.width || size.1 < self.height || win.0 > iw || win.1 > ih {
                break;
            }
            if params.max_size > 0 && win.0.max(win.1) > params.max_size {
                break;
            }
            if win.0.min(win.1) >= params.min_size {
                out.push((factor, size));
            }
            factor *= step;
        }
        out
    }
}

/// Slides the window over one pyramid level, calling `hit` with each accepted window's
/// top-left corner in level pixels.
fn scan_level(
    opt: &OptCascade,
    ii: &Integral,
    (w, h): (usize, usize),
    step: usize,
    mut hit: impl FnMut(usize, usize),
) {
    let (ww, wh) = opt.window;
    let mut y = 0;
    while y + wh <= h {
        let mut x = 0;
        while x + ww <= w {
            match opt.classify(ii, y * ii.stride + x) {
                Verdict::Accepted => hit(x, y),
                // A window that fails the very first stage rarely has an accepted
                // neighbour: skip one position, as OpenCV does.
                Verdict::Rejected { stage: 0 } => x += step,
                Verdict::Rejected { .. } | Verdict::Flat => {}
            }
            x += step;
        }
        y += step;
    }
}

/// OpenCV's `groupRectangles`: cluster similar rectangles, keep clusters with more than
/// `min_neighbors` members, average each, and drop clusters lying inside a stronger one.
pub fn group_rectangles(rects: &[Rect], min_neighbors: usize, eps: f32) -> Vec<Detection> {
    let n = rects.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let similar = |a: &Rect, b: &Rect| {
        let delta = eps * (a.w.min(b.w) + a.h.min(b.h)) as f32 * 0.5;
        (a.x - b.x).abs() as f32 <= delta
            && (a.y - b.y).abs() as f32 <= delta
            && (a.x + a.w - b.x - b.w).abs() as f32 <= delta
            && (a.y + a.h - b.y - b.h).abs() as f32 <= delta
    };
    for i in 0..n {
        for j in i + 1..n {
            if similar(&rects[i], &rects[j]) {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                if a != b {
                    parent[a] = b;
                }
            }
        }
    }
    let mut clusters: std::collections::BTreeMap<usize, (i64, i64, i64, i64, usize)> =
        Default::default();
    for (i, r) in rects.iter().enumerate() {
        let root = find(&mut parent, i);
        let c = clusters.entry(root).or_default();
        c.0 += i64::from(r.x);
        c.1 += i64::from(r.y);
        c.2 += i64::from(r.w);
        c.3 += i64::from(r.h);
        c.4 += 1;
    }
    let averaged: Vec<Detection> = clusters
        .values()
        .filter(|c| c.4 > min_neighbors)
        .map(|&(x, y, w, h, k)| {
            let k = k as f32;
            Detection {
                rect: Rect {
                    x: (x as f32 / k).round() as i32,
                    y: (y as f32 / k).round() as i32,
                    w: (w as f32 / k).round() as i32,
                    h: (h as f32 / k).round() as i32,
                },
                neighbors: k as usize,
            }
        })
        .collect();
    // A weak cluster inside a stronger one is a part of the same object: drop it.
    averaged
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            !averaged.iter().enumerate().any(|(j, b)| {
                let dx = (b.rect.w as f32 * eps).round() as i32;
                let dy = (b.rect.h as f32 * eps).round() as i32;
                *i != j
                    && a.rect.x >= b.rect.x - dx
                    && a.rect.y >= b.rect.y - dy
                    && a.rect.x + a.rect.w <= b.rect.x + b.rect.w + dx
                    && a.rect.y + a.rect.h <= b.rect.y + b.rect.h + dy
                    && (b.neighbors > 3.max(a.neighbors) || a.neighbors < 3)
            })
        })
        .map(|(_, d)| d)
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = r#"<?xml version="1.0"?>
<opencv_storage><cascade type_id="opencv-cascade-classifier">
<stageType>BOOST</stageType><featureType>HAAR</featureType><height>6</height><width>6</width>
<stages><_><maxWeakCount>1</maxWeakCount><stageThreshold>0.5</stageThreshold>
<weakClassifiers><_><internalNodes>0 -1 0 0.1</internalNodes><leafValues>0. 1.</leafValues></_></weakClassifiers></_></stages>
<features><_><rects><_>0 0 6 3 -1.</_><_>0 3 6 3 1.</_></rects></_></features>
</cascade></opencv_storage>"#;

    /// Hits of one level scanned at every position.
    fn scan(c: &Cascade, img: &GrayImage) -> Vec<(usize, usize)> {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let mut ii = Integral::with_capacity(w, h);
        ii.fill(img.as_raw(), w, h);
        let mut hits = Vec::new();
        scan_level(&c.compile(ii.stride), &ii, (w, h), 1, |x, y| {
            hits.push((x, y))
        });
        hits
    }

    #[test]
    fn parses_a_small_cascade_and_fires_on_its_pattern() {
        let c = Cascade::from_xml(TINY).unwrap();
        assert_eq!((c.window(), c.stage_count()), ((6, 6), 1));
        // Dark above, bright below: the feature (bottom − top) is large → stage passes.
        let img = GrayImage::from_fn(8, 8, |_, y| image::Luma([if y < 4 { 20 } else { 220 }]));
        assert!(scan(&c, &img).iter().any(|&(_, y)| y == 1));
        // The inverse pattern does not fire.
        let inv = GrayImage::from_fn(8, 8, |_, y| image::Luma([if y < 4 { 220 } else { 20 }]));
        assert!(scan(&c, &inv).iter().all(|&(_, y)| y != 1));
    }

    #[test]
    fn malformed_cascades_are_errors() {
        assert!(matches!(Cascade::from_xml("<x"), Err(CascadeError::Xml(_))));
        assert_eq!(
            Cascade::from_xml("<a/>").unwrap_err(),
            CascadeError::Missing("cascade")
        );
        let bad_index = TINY.replace("0 -1 0 0.1", "0 -1 7 0.1");
        assert_eq!(
            Cascade::from_xml(&bad_index).unwrap_err(),
            CascadeError::FeatureIndex(7)
        );
        let outside = TINY.replace("0 3 6 3 1.", "0 4 6 3 1.");
        assert!(matches!(
            Cascade::from_xml(&outside),
            Err(CascadeError::Unsupported(_))
        ));
        let nan = TINY.replace("0.5</stageThreshold>", "zz</stageThreshold>");
        assert!(matches!(
            Cascade::from_xml(&nan),
            Err(CascadeError::Number(_))
        ));
    }

    #[test]
    fn grouping_merges_neighbours_and_drops_lonely_hits() {
        let r = |x, y| Rect { x, y, w: 40, h: 40 };
        let hits = [
            r(100, 100),
            r(102, 101),
            r(99, 103),
            r(101, 99),
            r(300, 300),
        ];
        let g = group_rectangles(&hits, 3, 0.2);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].neighbors, 4);
        assert_eq!(
            g[0].rect,
            Rect {
                x: 101,
                y: 101,
                w: 40,
                h: 40
            }
        );
    }
}
