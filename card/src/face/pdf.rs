//! A [`Page`] → a one-page PDF of exactly the page's physical size (`pdf-writer`).
//!
//! Text stays text: each face used is embedded as a TrueType subset (`subsetter`) in a Type0 /
//! CIDFontType2 font with Identity-H encoding, its glyph widths, and a ToUnicode map so
//! `pdftotext` (and a screen reader) gets the characters back, diacritics included. Pictures
//! are embedded losslessly (Flate) at the pixels the PNG uses, so the two renderings agree.

use std::collections::{BTreeMap, BTreeSet};

use miniz_oxide::deflate::{CompressionLevel, compress_to_vec_zlib};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use subsetter::GlyphRemapper;

use super::FaceError;
use super::fonts::{FontFace, MM_PER_PT, Metrics};
use super::page::{Mark, Page};
use ab_glyph::Font;

const LEVEL: u8 = CompressionLevel::DefaultLevel as u8;
/// Pictures are mostly the card background: the fastest level costs a little size, not time.
const IMAGE_LEVEL: u8 = CompressionLevel::BestSpeed as u8;

fn pt(mm: f32) -> f32 {
    mm / MM_PER_PT
}

/// Hands out object numbers in order.
struct Refs(i32);

impl Refs {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

/// One embedded face: its glyph renumbering and its objects.
struct EmbeddedFont {
    face: FontFace,
    metrics: Metrics,
    remapper: GlyphRemapper,
    /// new glyph id → the character it draws (for ToUnicode).
    chars: BTreeMap<u16, char>,
    /// new glyph id → glyph id in the full font (for widths).
    olds: BTreeMap<u16, u16>,
    type0: Ref,
    name: String,
}

/// Writes `page` as a PDF with `title` in its document information.
pub fn write_pdf(page: &Page, title: &str) -> Result<Vec<u8>, FaceError> {
    let mut refs = Refs(0);
    let catalog = refs.next();
    let pages = refs.next();
    let page_id = refs.next();
    let content_id = refs.next();
    let info_id = refs.next();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page_id]).count(1);
    pdf.document_info(info_id)
        .title(TextStr(title))
        .producer(TextStr("Rekam card face"));

    let mut fonts = collect_fonts(page, &mut refs)?;
    let (content, images) = content_stream(page, &mut fonts, &mut refs)?;

    let mut pg = pdf.page(page_id);
    pg.media_box(Rect::new(0.0, 0.0, pt(page.width_mm), pt(page.height_mm)));
    pg.parent(pages);
    pg.contents(content_id);
    let mut resources = pg.resources();
    let mut font_dict = resources.fonts();
    for f in fonts.values() {
        font_dict.pair(Name(f.name.as_bytes()), f.type0);
    }
    font_dict.finish();
    let mut xobjects = resources.x_objects();
    for img in &images {
        xobjects.pair(Name(img.name.as_bytes()), img.id);
    }
    xobjects.finish();
    resources.finish();
    pg.finish();

    let compressed = compress_to_vec_zlib(&content, LEVEL);
    pdf.stream(content_id, &compressed)
        .filter(Filter::FlateDecode);

    for img in &images {
        write_image(&mut pdf, img);
    }
    for f in fonts.values() {
        write_font(&mut pdf, f, &mut refs)?;
    }
    Ok(pdf.finish())
}

fn collect_fonts(
    page: &Page,
    refs: &mut Refs,
) -> Result<BTreeMap<FontFace, EmbeddedFont>, FaceError> {
    let mut fonts = BTreeMap::new();
    for mark in &page.marks {
        let Mark::Text { face, text, .. } = mark else {
            continue;
        };
        if !fonts.contains_key(face) {
            let name = format!("F{}", fonts.len() + 1);
            fonts.insert(
                *face,
                EmbeddedFont {
                    face: *face,
                    metrics: Metrics::new(*face)?,
                    remapper: GlyphRemapper::new(),
                    chars: BTreeMap::new(),
                    olds: BTreeMap::new(),
                    type0: refs.next(),
                    name,
                },
            );
        }
        if let Some(f) = fonts.get_mut(face) {
            for c in text.chars() {
                if let Some(g) = f.metrics.glyph(c) {
                    let new = f.remapper.remap(g.0);
                    f.chars.entry(new).or_insert(c);
                    f.olds.insert(new, g.0);
                }
            }
        }
    }
    Ok(fonts)
}

struct PdfImage {
    name: String,
    id: Ref,
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

fn content_stream(
    page: &Page,
    fonts: &mut BTreeMap<FontFace, EmbeddedFont>,
    refs: &mut Refs,
) -> Result<(Vec<u8>, Vec<PdfImage>), FaceError> {
    let mut c = Content::new();
    let mut images = Vec::new();
    let page_h = pt(page.height_mm);
    for mark in &page.marks {
        match mark {
            Mark::Fill { rect, color } => {
                let [r, g, b] = color.map(|v| f32::from(v) / 255.0);
                c.set_fill_rgb(r, g, b);
                c.rect(
                    pt(rect.x),
                    page_h - pt(rect.y + rect.h),
                    pt(rect.w),
                    pt(rect.h),
                );
                c.fill_nonzero();
            }
            Mark::Text {
                x,
                baseline,
                size_pt,
                face,
                color,
                text,
            } => {
                let f = fonts
                    .get(face)
                    .ok_or_else(|| FaceError::Font("face not collected".into()))?;
                let mut encoded = Vec::with_capacity(text.len() * 2);
                for ch in text.chars() {
                    if let Some(new) = f.metrics.glyph(ch).and_then(|g| f.remapper.get(g.0)) {
                        encoded.extend_from_slice(&new.to_be_bytes());
                    }
                }
                let [r, g, b] = color.map(|v| f32::from(v) / 255.0);
                c.begin_text();
                c.set_fill_rgb(r, g, b);
                c.set_font(Name(f.name.as_bytes()), *size_pt);
                c.set_text_matrix([1.0, 0.0, 0.0, 1.0, pt(*x), page_h - pt(*baseline)]);
                c.show(Str(&encoded));
                c.end_text();
            }
            Mark::Picture { rect, pixels } => {
                let img = PdfImage {
                    name: format!("Im{}", images.len() + 1),
                    id: refs.next(),
                    width: pixels.width(),
                    height: pixels.height(),
                    rgb: pixels.as_raw().clone(),
                };
                place(&mut c, &img.name, *rect, page_h);
                images.push(img);
            }
        }
    }
    // Keep fonts referenced only when used (a page with no text has none).
    fonts.retain(|_, f| !f.chars.is_empty());
    Ok((c.finish().to_vec(), images))
}

fn place(c: &mut Content, name: &str, rect: super::page::RectMm, page_h: f32) {
    c.save_state();
    c.transform([
        pt(rect.w),
        0.0,
        0.0,
        pt(rect.h),
        pt(rect.x),
        page_h - pt(rect.y + rect.h),
    ]);
    c.x_object(Name(name.as_bytes()));
    c.restore_state();
}

fn write_image(pdf: &mut Pdf, img: &PdfImage) {
    let data = compress_to_vec_zlib(&img.rgb, IMAGE_LEVEL);
    let mut x = pdf.image_xobject(img.id, &data);
    x.filter(Filter::FlateDecode);
    x.width(img.width as i32);
    x.height(img.height as i32);
    x.color_space().device_rgb();
    x.bits_per_component(8);
    x.finish();
}

/// A six-letter subset tag derived from the glyph set (PDF 32000-1 §9.6.4), stable across runs.
fn subset_tag(chars: &BTreeMap<u16, char>) -> String {
    let mut h: u32 = 2166136261;
    for (g, c) in chars {
        for b in g.to_be_bytes().into_iter().chain((*c as u32).to_be_bytes()) {
            h = (h ^ u32::from(b)).wrapping_mul(16777619);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + ((h >> (i * 5)) % 26) as u8))
        .collect()
}

fn write_font(pdf: &mut Pdf, f: &EmbeddedFont, refs: &mut Refs) -> Result<(), FaceError> {
    let cid = refs.next();
    let descriptor = refs.next();
    let file = refs.next();
    let to_unicode = refs.next();
    let base = format!("{}+{}", subset_tag(&f.chars), f.face.postscript_name());

    pdf.type0_font(f.type0)
        .base_font(Name(base.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(to_unicode);

    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    // Widths in glyph space, indexed by the new (subset) glyph ids = CIDs.
    let mut widths = vec![0.0f32; usize::from(f.remapper.num_gids())];
    for (new, old) in &f.olds {
        if let Some(w) = widths.get_mut(usize::from(*new)) {
            *w = f.metrics.advance_milli_em(ab_glyph::GlyphId(*old));
        }
    }
    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(Name(base.as_bytes()))
        .system_info(system_info)
        .font_descriptor(descriptor)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid_font.widths().consecutive(0, widths);
    cid_font.finish();

    let font = f.metrics.font();
    let scale = 1000.0 / f.metrics.units_per_em();
    let bold = matches!(f.face, FontFace::Bold);
    pdf.font_descriptor(descriptor)
        .name(Name(base.as_bytes()))
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(-1000.0, -400.0, 2000.0, 1200.0))
        .italic_angle(0.0)
        .ascent(font.ascent_unscaled() * scale)
        .descent(font.descent_unscaled() * scale)
        .cap_height(729.0)
        .stem_v(if bold { 140.0 } else { 80.0 })
        .font_file2(file);

    let subset = subsetter::subset(f.face.bytes(), 0, &f.remapper)
        .map_err(|e| FaceError::Font(format!("subsetting: {e}")))?;
    let packed = compress_to_vec_zlib(&subset, LEVEL);
    pdf.stream(file, &packed)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), subset.len() as i32);

    let mut cmap = UnicodeCmap::new(
        Name(b"Rekam-UCS"),
        SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"UCS"),
            supplement: 0,
        },
    );
    for (new, c) in &f.chars {
        cmap.pair(*new, *c);
    }
    let cmap_bytes = cmap.finish();
    pdf.cmap(to_unicode, &cmap_bytes);
    Ok(())
}

/// Glyphs used on `page`, per face (for tests).
pub fn used_characters(page: &Page) -> BTreeMap<FontFace, BTreeSet<char>> {
    let mut out: BTreeMap<FontFace, BTreeSet<char>> = BTreeMap::new();
    for m in &page.marks {
        if let Mark::Text { face, text, .. } = m {
            out.entry(*face).or_default().extend(text.chars());
        }
    }
    out
}
