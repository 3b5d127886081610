//! Plane geometry shared by the extractor (how far a finger may extend) and the matcher (the
//! area a template covers): a convex hull, and "inside it or within a margin of it".

/// Convex hull (Andrew's monotone chain), counter-clockwise, without repeated end point.
pub(crate) fn convex_hull(points: impl IntoIterator<Item = (f32, f32)>) -> Vec<(f32, f32)> {
    let mut p: Vec<(f32, f32)> = points.into_iter().collect();
    p.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    p.dedup();
    if p.len() < 3 {
        return p;
    }
    let mut hull: Vec<(f32, f32)> = Vec::with_capacity(2 * p.len());
    for pass in [false, true] {
        let start = hull.len();
        let ordered: Box<dyn Iterator<Item = &(f32, f32)>> = if pass {
            Box::new(p.iter().rev())
        } else {
            Box::new(p.iter())
        };
        for &q in ordered {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], q) <= 0.0
            {
                hull.pop();
            }
            hull.push(q);
        }
        hull.pop();
    }
    hull
}

/// Whether `(x, y)` lies inside the convex polygon `hull` or within `margin` of it.
pub(crate) fn within_hull(hull: &[(f32, f32)], x: f32, y: f32, margin: f32) -> bool {
    let n = hull.len();
    let edges = (0..n).map(|i| (hull[i], hull[(i + 1) % n]));
    if n >= 3 {
        within_edges(edges, x, y, margin)
    } else {
        near_an_edge(edges, x, y, margin)
    }
}

/// A hull edge from its first corner to its second.
pub(crate) type Edge = ((f32, f32), (f32, f32));

/// [`within_hull`] over some edges of a convex hull of at least three points (all of them, or
/// those left after a caller dropped edges which cannot change the answer). The cheap inside
/// test (signs of cross products) runs first: most queries are inside.
pub(crate) fn within_edges(
    edges: impl Iterator<Item = Edge> + Clone,
    x: f32,
    y: f32,
    margin: f32,
) -> bool {
    edges.clone().all(|(a, b)| cross(a, b, (x, y)) >= 0.0) || near_an_edge(edges, x, y, margin)
}

/// Whether `(x, y)` lies within `margin` of one of the edges.
fn near_an_edge(mut edges: impl Iterator<Item = Edge>, x: f32, y: f32, margin: f32) -> bool {
    edges.any(|(a, b)| segment_distance2(a, b, x, y) <= margin * margin)
}

/// z component of (a - o) × (b - o): positive when b is left of o→a.
fn cross(o: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
}

/// Squared distance from `(x, y)` to the segment `a`–`b`.
fn segment_distance2(a: (f32, f32), b: (f32, f32), x: f32, y: f32) -> f32 {
    let (ex, ey) = (b.0 - a.0, b.1 - a.1);
    let (wx, wy) = (x - a.0, y - a.1);
    let len2 = ex * ex + ey * ey;
    let t = if len2 > 0.0 {
        ((wx * ex + wy * ey) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (dx, dy) = (wx - t * ex, wy - t * ey);
    dx * dx + dy * dy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hull_contains_centre_not_far_points() {
        let pts = [
            (0.0, 0.0),
            (100.0, 0.0),
            (100.0, 100.0),
            (0.0, 100.0),
            (50.0, 50.0),
        ];
        let hull = convex_hull(pts);
        assert_eq!(hull.len(), 4);
        assert!(within_hull(&hull, 50.0, 50.0, 0.0));
        assert!(!within_hull(&hull, 150.0, 50.0, 10.0));
        assert!(within_hull(&hull, 140.0, 50.0, 50.0));
    }
}
