//! Does quality predict matching? Genuine comparison scores grouped by the quality of the pair.
//!
//! A genuine pair is as good as its worse impression, so its quality is the minimum of the two
//! images' scores (the convention of NIST's NFIQ 2 evaluations). Pairs are split into bands of
//! equal size by that quality; per band we report the mean and median genuine score and the
//! false non-match rate at a fixed operating threshold (read off impostor scores). If quality
//! predicts matching, scores rise and FNMR falls from the lowest band to the highest.

/// One quality band.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Lowest and highest pair quality in the band.
    pub quality: (u8, u8),
    pub pairs: usize,
    pub mean_score: f32,
    pub median_score: f32,
    /// Share of the band's genuine scores below the threshold.
    pub fnmr: f64,
}

/// One genuine comparison: the two images' quality scores and the comparison score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GenuinePair {
    pub quality: (u8, u8),
    pub score: f32,
}

impl GenuinePair {
    /// The pair's quality: its worse impression.
    pub fn pair_quality(&self) -> u8 {
        self.quality.0.min(self.quality.1)
    }
}

/// Splits the pairs into `bands` groups of (nearly) equal size by pair quality, lowest first,
/// and summarises each at `threshold`. Pairs of equal quality may straddle two bands; the order
/// among them is the input order, so the split is deterministic.
pub fn by_quantile(pairs: &[GenuinePair], bands: usize, threshold: f32) -> Vec<Band> {
    let mut sorted: Vec<GenuinePair> = pairs.to_vec();
    sorted.sort_by_key(GenuinePair::pair_quality);
    let bands = bands.clamp(1, sorted.len().max(1));
    (0..bands)
        .map(|b| &sorted[b * sorted.len() / bands..(b + 1) * sorted.len() / bands])
        .filter(|chunk| !chunk.is_empty())
        .map(|chunk| summarise(chunk, threshold))
        .collect()
}

fn summarise(chunk: &[GenuinePair], threshold: f32) -> Band {
    let mut scores: Vec<f32> = chunk.iter().map(|p| p.score).collect();
    scores.sort_by(f32::total_cmp);
    let n = scores.len();
    let median = if n % 2 == 1 {
        scores[n / 2]
    } else {
        (scores[n / 2 - 1] + scores[n / 2]) / 2.0
    };
    let qualities = chunk.iter().map(GenuinePair::pair_quality);
    Band {
        quality: (
            qualities.clone().min().unwrap_or(0),
            qualities.max().unwrap_or(0),
        ),
        pairs: n,
        mean_score: scores.iter().sum::<f32>() / n as f32,
        median_score: median,
        fnmr: scores.iter().filter(|&&s| s < threshold).count() as f64 / n as f64,
    }
}

/// Spearman rank correlation between pair quality and genuine score (ties get mean ranks).
pub fn rank_correlation(pairs: &[GenuinePair]) -> f64 {
    let q: Vec<f64> = pairs.iter().map(|p| f64::from(p.pair_quality())).collect();
    let s: Vec<f64> = pairs.iter().map(|p| f64::from(p.score)).collect();
    pearson(&ranks(&q), &ranks(&s))
}

fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut out = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0;
        for &k in &idx[i..=j] {
            out[k] = rank;
        }
        i = j + 1;
    }
    out
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    if va == 0.0 || vb == 0.0 {
        0.0
    } else {
        cov / (va * vb).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(q: u8, score: f32) -> GenuinePair {
        GenuinePair {
            quality: (q, 100),
            score,
        }
    }

    #[test]
    fn bands_split_by_the_worse_impression_and_count_misses_below_threshold() {
        let pairs = vec![
            pair(90, 0.9),
            GenuinePair {
                quality: (95, 10),
                score: 0.01,
            },
            pair(20, 0.02),
            pair(80, 0.5),
            pair(30, 0.2),
            pair(70, 0.6),
        ];
        let bands = by_quantile(&pairs, 2, 0.05);
        assert_eq!(bands.len(), 2);
        assert_eq!(bands[0].quality, (10, 30));
        assert_eq!(bands[0].pairs, 3);
        assert!((bands[0].fnmr - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(bands[0].median_score, 0.02);
        assert_eq!(bands[1].quality, (70, 90));
        assert_eq!(bands[1].fnmr, 0.0);
        assert!((bands[1].mean_score - 2.0 / 3.0).abs() < 1e-6);
        assert!(rank_correlation(&pairs) > 0.8);
    }

    #[test]
    fn reversed_trend_gives_negative_correlation() {
        let pairs: Vec<GenuinePair> = (0..10)
            .map(|i| pair(i * 10, 1.0 - i as f32 / 10.0))
            .collect();
        assert!((rank_correlation(&pairs) + 1.0).abs() < 1e-9);
    }
}
