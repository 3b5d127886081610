//! Development study of the ridge-flow agreement (`matcher::flow`) on an FVC folder: extracts
//! every image once, runs every comparison's stages once per coherence gate of the field, and
//! prints the genuine/impostor agreement distributions and the error rates (and the FMR 1 % /
//! 0.1 % thresholds) of several fusions of the agreement with the minutiae score (not a
//! benchmark: final figures come from `fvc-eval`).
//!
//! `cargo run --release -p biometrics --example flow_study -- DIR [--ppi N]`

#[path = "support/trace.rs"]
mod trace;

use biometrics::Template;
use biometrics::eval;
use biometrics::extract::ridge_flow;
use biometrics::matcher::{PreparedTemplate, Rigid, Stages, flow_agreement};

/// Coherence gates of the field tried (0 = every foreground block, the pre-registered choice).
const GATES: [f32; 2] = [0.0, 0.3];

struct Fusion {
    name: String,
    score: Box<dyn Fn(&Stages) -> f32>,
}

fn fusions() -> Vec<Fusion> {
    let mut out = vec![Fusion {
        name: "no flow (main)".into(),
        score: Box::new(|s| s.local * s.global),
    }];
    for k in [1, 2, 4, 8] {
        out.push(Fusion {
            name: format!("max(r,0)^{k}, min 24 cells"),
            score: Box::new(move |s| s.local * s.global * power(s, k, 24)),
        });
    }
    out.push(Fusion {
        name: "max(r,0)^2, min 48 cells".into(),
        score: Box::new(move |s| s.local * s.global * power(s, 2, 48)),
    });
    for (mid, width) in [(0.7f32, 0.05f32), (0.8, 0.05), (0.6, 0.1)] {
        out.push(Fusion {
            name: format!("sigmoid((r-{mid})/{width}), min 24 cells"),
            score: Box::new(move |s| {
                let f = match s.flow.and_then(|a| a.mean().filter(|_| a.cells >= 24)) {
                    Some(r) => 1.0 / (1.0 + (-(r - mid) / width).exp()),
                    None => 1.0,
                };
                s.local * s.global * f
            }),
        });
    }
    out
}

fn power(s: &Stages, k: i32, min_cells: u32) -> f32 {
    match s
        .flow
        .and_then(|a| a.mean().filter(|_| a.cells >= min_cells))
    {
        Some(r) => r.max(0.0).powi(k),
        None => 1.0,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let trace::FvcTraces { ids, traces, .. } =
        trace::fvc_traces(&args, "usage: flow_study DIR [--ppi N]")?;
    let genuine_pairs = eval::genuine_pairs(&ids);
    let impostor_pairs = eval::impostor_pairs_all(&ids);
    let fvc_pairs = eval::impostor_pairs_fvc(&ids);
    let name = |i: usize| ids[i].to_string();
    for gate in GATES {
        let prepared: Vec<PreparedTemplate> = traces
            .iter()
            .map(|t| {
                let template = Template {
                    orientation: ridge_flow(&t.mask, &t.orientation, &t.coherence, gate).ok(),
                    ..t.template.clone()
                };
                PreparedTemplate::new(&template)
            })
            .collect();
        let stages = |pairs: &[(usize, usize)]| -> Vec<Stages> {
            pairs
                .iter()
                .map(|&(i, j)| prepared[i].stages(&prepared[j]))
                .collect()
        };
        let (genu, imp, fvc) = (
            stages(&genuine_pairs),
            stages(&impostor_pairs),
            stages(&fvc_pairs),
        );
        println!("\n== {} · coherence gate {gate}", args[1]);
        let agreement = |s: &[Stages]| -> Vec<f32> {
            let mut v: Vec<f32> = s.iter().filter_map(|s| s.flow?.mean()).collect();
            v.sort_unstable_by(f32::total_cmp);
            v
        };
        let cells = |s: &[Stages]| -> Vec<f32> {
            let mut v: Vec<f32> = s
                .iter()
                .filter_map(|s| Some(s.flow?.cells as f32))
                .collect();
            v.sort_unstable_by(f32::total_cmp);
            v
        };
        for (label, s) in [("genuine", &genu), ("impostor", &imp)] {
            println!(
                "{label:9} agreement q05/q25/q50/q75/q95 {}   overlap cells q05/q50 {}",
                quantiles(&agreement(s), &[0.05, 0.25, 0.5, 0.75, 0.95]),
                quantiles(&cells(s), &[0.05, 0.5]),
            );
        }
        // The pairs that decide the EER on main: the weakest genuine pairs and the strongest
        // impostors by the minutiae score alone.
        let base = |s: &Stages| s.local * s.global;
        let mut weak: Vec<usize> = (0..genu.len()).collect();
        weak.sort_unstable_by(|&x, &y| base(&genu[x]).total_cmp(&base(&genu[y])));
        let mut strong: Vec<usize> = (0..imp.len()).collect();
        strong.sort_unstable_by(|&x, &y| base(&imp[y]).total_cmp(&base(&imp[x])));
        let show = |label: &str, (i, j): (usize, usize), s: &Stages| {
            println!(
                "  {label} {:>6} vs {:<6} minutiae {:.4} ({} pairs)  agreement {} over {} cells",
                name(i),
                name(j),
                base(s),
                s.pairs.len(),
                s.flow
                    .and_then(|a| a.mean())
                    .map_or("-".into(), |r| format!("{r:.3}")),
                s.flow.map_or(0, |a| a.cells),
            );
        };
        // How much better the flow could agree under a nearby alignment: rotation offsets
        // (about B's field centre) and shifts around the minutiae alignment.
        let scan = |(i, j): (usize, usize), s: &Stages| {
            let (Some(t), Some(fa), Some(fb)) = (
                s.transform,
                traces[i].template.orientation.as_ref(),
                traces[j].template.orientation.as_ref(),
            ) else {
                return String::new();
            };
            let (cx, cy) = (f32::from(fb.cols()) * 8.0, -(f32::from(fb.rows()) * 8.0));
            let mut best = (f32::MIN, 0, 0, 0);
            for deg in (-20..=20).step_by(4) {
                for dx in (-24..=24).step_by(8) {
                    for dy in (-24..=24).step_by(8) {
                        let d = (deg as f32).to_radians();
                        let (sn, cs) = d.sin_cos();
                        let (tx, ty) = t.translation();
                        // S ∘ T with S a rotation by d about (cx, cy) plus (dx, dy).
                        let (ntx, nty) = (
                            cs * (tx - cx) - sn * (ty - cy) + cx + dx as f32,
                            sn * (tx - cx) + cs * (ty - cy) + cy + dy as f32,
                        );
                        let moved = Rigid::new(t.theta() + d, ntx, nty);
                        if let Some(r) = flow_agreement(fa, fb, &moved).mean()
                            && r > best.0
                        {
                            best = (r, deg, dx, dy);
                        }
                    }
                }
            }
            format!(
                "  best nearby {:.3} at {}° ({}, {}) px; rotation {:.1}°",
                best.0,
                best.1,
                best.2,
                best.3,
                t.theta().to_degrees()
            )
        };
        for &k in weak.iter().take(6) {
            show("weakest genuine", genuine_pairs[k], &genu[k]);
            println!("{}", scan(genuine_pairs[k], &genu[k]));
        }
        for &k in strong.iter().take(6) {
            show("top impostor   ", impostor_pairs[k], &imp[k]);
            println!("{}", scan(impostor_pairs[k], &imp[k]));
        }
        println!(
            "{:42} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8}",
            "fusion", "EER %", "FMR100", "FMR1000", "eer_fvc", "thr 1%", "thr 0.1%"
        );
        for f in fusions() {
            let score = |s: &[Stages]| -> Vec<f32> { s.iter().map(|s| (f.score)(s)).collect() };
            let (g, i, v) = (score(&genu), score(&imp), score(&fvc));
            let r = eval::error_rates(&g, &i);
            println!(
                "{:42} {:7.2} {:7.2} {:8.2} {:8.2} {:8.4} {:8.4}",
                f.name,
                100.0 * r.eer,
                100.0 * r.fmr100,
                100.0 * r.fmr1000,
                100.0 * eval::eer(&g, &v),
                eval::threshold_for_fmr(&i, 0.01),
                eval::threshold_for_fmr(&i, 0.001)
            );
        }
    }
    Ok(())
}

fn quantiles(sorted: &[f32], qs: &[f64]) -> String {
    if sorted.is_empty() {
        return "-".into();
    }
    qs.iter()
        .map(|q| {
            let k = ((sorted.len() - 1) as f64 * q).round() as usize;
            format!("{:.3}", sorted[k])
        })
        .collect::<Vec<_>>()
        .join("/")
}
