//! Deterministic synthetic minutiae sets for tests and benchmarks of the matcher and the index.
//!
//! A *master* finger is a set of minutiae whose directions follow a smooth orientation field
//! with a loop-like singularity (as in real prints, so impostor minutiae are not trivially
//! uncorrelated in direction). An *impression* of a master applies what a real capture does:
//! a rigid rotation and translation, a smooth elastic displacement, small position and angle
//! noise, missed minutiae, spurious minutiae and cropping to the sensor window (partial overlap).
//! Genuine pairs are two impressions of one master; impostor pairs are impressions of two
//! independent masters. Pure code, seeded: the same seed gives the same template everywhere.

use crate::template::{FingerPosition, Minutia, MinutiaKind, Template};
use std::f32::consts::{PI, TAU};

/// A small, fast, seedable generator (SplitMix64). Not for cryptography.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f32 {
        let u1 = self.unit().max(1e-7);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
    }
}

/// Sensor window of the synthetic captures (pixels at 500 ppi, like FVC2002 DB1).
pub const WIDTH: u16 = 388;
pub const HEIGHT: u16 = 374;

/// How far an impression departs from its master.
#[derive(Debug, Clone, Copy)]
pub struct Distortion {
    /// Maximum rotation either way, radians.
    pub max_rotation: f32,
    /// Maximum translation along each axis, pixels.
    pub max_translation: f32,
    /// Amplitude of the smooth elastic displacement, pixels.
    pub elastic: f32,
    /// Standard deviation of the per-minutia position noise, pixels.
    pub jitter: f32,
    /// Standard deviation of the per-minutia angle noise, radians.
    pub angle_noise: f32,
    /// Probability that a minutia of the master is missed.
    pub dropout: f32,
    /// Spurious minutiae added, as a fraction of the master's count.
    pub spurious: f32,
}

impl Distortion {
    /// A plausible flat capture: ±25°, ±40 px, moderate elastic distortion and noise.
    pub const TYPICAL: Distortion = Distortion {
        max_rotation: 25.0 * PI / 180.0,
        max_translation: 40.0,
        elastic: 5.0,
        jitter: 2.0,
        angle_noise: 0.12,
        dropout: 0.15,
        spurious: 0.10,
    };
}

/// Orientation field of a master finger: a loop singularity plus smooth waves.
struct Field {
    cx: f32,
    cy: f32,
    base: f32,
    waves: [(f32, f32, f32, f32); 2],
}

impl Field {
    fn random(rng: &mut Rng) -> Self {
        let mut wave = || {
            (
                rng.range(0.1, 0.4),
                rng.range(80.0, 200.0),
                rng.range(0.0, TAU),
                rng.range(0.0, PI),
            )
        };
        let waves = [wave(), wave()];
        Self {
            cx: rng.range(120.0, 270.0),
            cy: rng.range(100.0, 220.0),
            base: rng.range(0.0, PI),
            waves,
        }
    }

    /// Ridge orientation (mod π) at a point.
    fn at(&self, x: f32, y: f32) -> f32 {
        let mut o = self.base + 0.5 * (y - self.cy).atan2(x - self.cx);
        for (amp, wavelength, phase, dir) in self.waves {
            let t = (x * dir.cos() + y * dir.sin()) / wavelength;
            o += amp * (t + phase).sin();
        }
        o
    }
}

/// A master finger: 30–65 minutiae spaced at least 12 px apart inside an elliptical print area.
pub fn master(seed: u64, position: FingerPosition) -> Template {
    let mut rng = Rng::new(seed);
    let field = Field::random(&mut rng);
    let target = (47.0 + 8.0 * rng.normal()).clamp(30.0, 65.0) as usize;
    let (cx, cy) = (f32::from(WIDTH) / 2.0, f32::from(HEIGHT) / 2.0);
    let (ax, ay) = (f32::from(WIDTH) * 0.48, f32::from(HEIGHT) * 0.5);
    let mut minutiae: Vec<Minutia> = Vec::with_capacity(target);
    let mut attempts = 0;
    while minutiae.len() < target && attempts < 20_000 {
        attempts += 1;
        let x = rng.range(0.0, f32::from(WIDTH));
        let y = rng.range(0.0, f32::from(HEIGHT));
        let (dx, dy) = ((x - cx) / ax, (y - cy) / ay);
        if dx * dx + dy * dy > 1.0 {
            continue;
        }
        let too_close = minutiae.iter().any(|m| {
            let (ex, ey) = (f32::from(m.x) - x, f32::from(m.y) - y);
            ex * ex + ey * ey < 144.0
        });
        if too_close {
            continue;
        }
        let flip = if rng.unit() < 0.5 { 0.0 } else { PI };
        let angle = field.at(x, y) + flip + 0.08 * rng.normal();
        let kind = if rng.unit() < 0.55 {
            MinutiaKind::Ending
        } else {
            MinutiaKind::Bifurcation
        };
        minutiae.push(Minutia::new(x as u16, y as u16, angle, kind, 60));
    }
    Template {
        width: WIDTH,
        height: HEIGHT,
        ppi: 500,
        position,
        quality: 70,
        minutiae,
    }
}

/// One capture of `master`, distorted as `d` says (seeded by `seed`).
pub fn impression(master: &Template, seed: u64, d: &Distortion) -> Template {
    let mut rng = Rng::new(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xA5A5);
    let rot = rng.range(-d.max_rotation, d.max_rotation);
    let (tx, ty) = (
        rng.range(-d.max_translation, d.max_translation),
        rng.range(-d.max_translation, d.max_translation),
    );
    let (phase_x, phase_y) = (rng.range(0.0, TAU), rng.range(0.0, TAU));
    let (cx, cy) = (
        f32::from(master.width) / 2.0,
        f32::from(master.height) / 2.0,
    );
    let (sin, cos) = rot.sin_cos();
    let place = |x: f32, y: f32, rng: &mut Rng| -> (f32, f32) {
        // Elastic: a smooth displacement that grows away from the centre of contact.
        let ex = d.elastic * ((y / 90.0) + phase_x).sin() * ((x - cx).abs() / cx).min(1.0);
        let ey = d.elastic * ((x / 90.0) + phase_y).sin() * ((y - cy).abs() / cy).min(1.0);
        let (x, y) = (x + ex - cx, y + ey - cy);
        (
            cos * x - sin * y + cx + tx + d.jitter * rng.normal(),
            sin * x + cos * y + cy + ty + d.jitter * rng.normal(),
        )
    };
    let inside = |x: f32, y: f32| {
        x >= 0.0 && y >= 0.0 && x < f32::from(master.width) && y < f32::from(master.height)
    };
    let mut minutiae = Vec::with_capacity(master.minutiae.len() + 8);
    for m in &master.minutiae {
        if rng.unit() < d.dropout {
            continue;
        }
        let (x, y) = place(f32::from(m.x), f32::from(m.y), &mut rng);
        // Angles run counter-clockwise as seen on screen while y grows downwards, so the
        // rotation above (clockwise on screen by `rot`) subtracts `rot` from every direction.
        let angle = m.angle - rot + d.angle_noise * rng.normal();
        if inside(x, y) {
            minutiae.push(Minutia::new(x as u16, y as u16, angle, m.kind, m.quality));
        }
    }
    let spurious = (master.minutiae.len() as f32 * d.spurious).round() as usize;
    for _ in 0..spurious {
        let x = rng.range(20.0, f32::from(master.width) - 20.0);
        let y = rng.range(20.0, f32::from(master.height) - 20.0);
        let angle = rng.range(0.0, TAU);
        minutiae.push(Minutia::new(
            x as u16,
            y as u16,
            angle,
            MinutiaKind::Ending,
            30,
        ));
    }
    // A real extractor reports minutiae in scan order, not in the master's order.
    minutiae.sort_by_key(|m| (m.y, m.x));
    Template {
        minutiae,
        ..master.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_template() {
        let a = master(7, FingerPosition::RightIndex);
        let b = master(7, FingerPosition::RightIndex);
        assert_eq!(a, b);
        assert_ne!(a, master(8, FingerPosition::RightIndex));
        assert!((30..=65).contains(&a.minutiae.len()));
    }

    #[test]
    fn impression_keeps_most_minutiae_inside_the_window() {
        let m = master(3, FingerPosition::LeftThumb);
        let i = impression(&m, 1, &Distortion::TYPICAL);
        assert!(i.minutiae.len() > m.minutiae.len() / 2);
        assert!(i.minutiae.iter().all(|p| p.x < i.width && p.y < i.height));
    }
}
