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

use crate::imaging::resize_grey;

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

/// Integral and squared integral images with a one-pixel zero border (OpenCV layout).
struct Integral {
    stride: usize,
    sum: Vec<i32>,
    sq: Vec<i64>,
}

impl Integral {
    fn new(img: &GrayImage) -> Self {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let stride = w + 1;
        let mut sum = vec![0i32; stride * (h + 1)];
        let mut sq = vec![0i64; stride * (h + 1)];
        let px = img.as_raw();
        for y in 0..h {
            let (mut row, mut row_sq) = (0i32, 0i64);
            for x in 0..w {
                let v = i32::from(px[y * w + x]);
                row += v;
                row_sq += i64::from(v * v);
                let i = (y + 1) * stride + x + 1;
                sum[i] = sum[i - stride] + row;
                sq[i] = sq[i - stride] + row_sq;
            }
        }
        Self { stride, sum, sq }
    }
}

/// A feature rectangle as four offsets into one pyramid level's integral image.
#[derive(Clone, Copy)]
struct OptRect {
    p: [usize; 4],
    weight: f32,
}

impl OptRect {
    #[inline]
    fn sum(&self, s: &[i32], base: usize) -> f32 {
        (s[base + self.p[0]] - s[base + self.p[1]] - s[base + self.p[2]] + s[base + self.p[3]])
            as f32
    }
}

fn offsets(x: usize, y: usize, w: usize, h: usize, stride: usize) -> [usize; 4] {
    [
        y * stride + x,
        y * stride + x + w,
        (y + h) * stride + x,
        (y + h) * stride + x + w,
    ]
}

impl Cascade {
    /// Runs the cascade on one window (top-left at `base` in the integral image).
    fn classify(
        &self,
        ii: &Integral,
        opt: &[Vec<OptRect>],
        norm: &OptRect,
        base: usize,
        area: f64,
    ) -> bool {
        let s = norm.sum(&ii.sum, base) as f64;
        let q = &ii.sq;
        let sq = (q[base + norm.p[0]] - q[base + norm.p[1]] - q[base + norm.p[2]]
            + q[base + norm.p[3]]) as f64;
        let nf = area * sq - s * s;
        // Flat windows (σ tiny against the area) are skipped, as OpenCV does.
        if nf <= 0.0 || area / nf.sqrt() >= 0.1 {
            return false;
        }
        let inv = (1.0 / nf.sqrt()) as f32;
        for stage in &self.stages {
            let mut total = 0.0f32;
            for stump in &stage.stumps {
                let value: f32 = opt[stump.feature]
                    .iter()
                    .map(|r| r.weight * r.sum(&ii.sum, base))
                    .sum::<f32>()
                    * inv;
                total += if value < stump.threshold {
                    stump.left
                } else {
                    stump.right
                };
            }
            if total < stage.threshold {
                return false;
            }
        }
        true
    }

    /// Raw hits on one pyramid level, in that level's pixels.
    fn scan_level(&self, img: &GrayImage, step: usize, out: &mut Vec<Rect>) {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let (ww, wh) = (self.width as usize, self.height as usize);
        if w <= ww || h <= wh {
            return;
        }
        let ii = Integral::new(img);
        let opt: Vec<Vec<OptRect>> = self
            .features
            .iter()
            .map(|f| {
                f.rects
                    .iter()
                    .map(|r| OptRect {
                        p: offsets(r.x.into(), r.y.into(), r.w.into(), r.h.into(), ii.stride),
                        weight: r.weight,
                    })
                    .collect()
            })
            .collect();
        let norm = OptRect {
            p: offsets(1, 1, ww - 2, wh - 2, ii.stride),
            weight: 1.0,
        };
        let area = ((ww - 2) * (wh - 2)) as f64;
        let mut y = 0;
        while y + wh < h {
            let mut x = 0;
            while x + ww < w {
                if self.classify(&ii, &opt, &norm, y * ii.stride + x, area) {
                    out.push(Rect {
                        x: x as i32,
                        y: y as i32,
                        w: ww as i32,
                        h: wh as i32,
                    });
                }
                x += step;
            }
            y += step;
        }
    }

    /// Multi-scale detection on a grey image (OpenCV `detectMultiScale` semantics).
    pub fn detect(&self, img: &GrayImage, params: &DetectParams) -> Vec<Detection> {
        let raw = self.detect_raw(img, params);
        group_rectangles(&raw, params.min_neighbors, 0.2)
    }

    fn detect_raw(&self, img: &GrayImage, params: &DetectParams) -> Vec<Rect> {
        let (iw, ih) = img.dimensions();
        let factor_step = params.scale_factor.max(1.01);
        let mut resizer = Resizer::new();
        let mut hits = Vec::new();
        let mut factor = 1.0f32;
        loop {
            let (win_w, win_h) = (
                (self.width as f32 * factor).round() as u32,
                (self.height as f32 * factor).round() as u32,
            );
            let (sw, sh) = (
                (iw as f32 / factor).round() as u32,
                (ih as f32 / factor).round() as u32,
            );
            if sw <= self.width || sh <= self.height || win_w > iw || win_h > ih {
                break;
            }
            if params.max_size > 0 && win_w.max(win_h) > params.max_size {
                break;
            }
            if win_w.min(win_h) >= params.min_size {
                let level = if factor == 1.0 {
                    img.clone()
                } else {
                    match resize_grey(img, sw, sh, &mut resizer) {
                        Ok(l) => l,
                        Err(_) => break,
                    }
                };
                let step = if factor > 2.0 { 1 } else { 2 };
                let mut level_hits = Vec::new();
                self.scan_level(&level, step, &mut level_hits);
                hits.extend(level_hits.into_iter().map(|r| Rect {
                    x: (r.x as f32 * factor).round() as i32,
                    y: (r.y as f32 * factor).round() as i32,
                    w: win_w as i32,
                    h: win_h as i32,
                }));
            }
            factor *= factor_step;
        }
        hits
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

    #[test]
    fn parses_a_small_cascade_and_fires_on_its_pattern() {
        let c = Cascade::from_xml(TINY).unwrap();
        assert_eq!((c.window(), c.stage_count()), ((6, 6), 1));
        // Dark above, bright below: the feature (bottom − top) is large → stage passes.
        let img = GrayImage::from_fn(8, 8, |_, y| image::Luma([if y < 4 { 20 } else { 220 }]));
        let mut hits = Vec::new();
        c.scan_level(&img, 1, &mut hits);
        assert!(hits.iter().any(|r| r.y == 1), "{hits:?}");
        // The inverse pattern does not fire.
        let inv = GrayImage::from_fn(8, 8, |_, y| image::Luma([if y < 4 { 220 } else { 20 }]));
        let mut none = Vec::new();
        c.scan_level(&inv, 1, &mut none);
        assert!(none.iter().all(|r| r.y != 1));
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
