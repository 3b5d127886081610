#!/usr/bin/env python3
"""Independent ISO/IEC 19794-5 peer: the PyPI `iso19794` 0.1.0 Pillow plugin.

  iso_peer.py read-face IN.fac     prints: version width height gender image_type data_type
                                   source_type mean_grey (after decoding the embedded JPEG)
  iso_peer.py write-face IN.jpg OUT.fac
                                   writes a version 010 record (token frontal, female)
"""
import sys

import iso19794  # noqa: F401  (registers the FAC and FIR plugins)
from PIL import Image, ImageStat


def read_face(path):
    im = Image.open(path)
    h = im.header
    im.load()
    mean = ImageStat.Stat(im.convert("L")).mean[0]
    print(im.info["version"], im.size[0], im.size[1], h["gender"], h["face_image_type"],
          h["image_data_type"], h["source_type"], "%.1f" % mean)


def write_face(src, out):
    im = Image.open(src)
    im.load()
    im.header = dict(gender="F", face_image_type="TOKEN_FRONTAL", image_data_type="JPEG",
                     source_type="STATIC_CAMERA")
    im.save(out, "FAC", version="010")


if __name__ == "__main__":
    if sys.argv[1] == "read-face":
        read_face(sys.argv[2])
    elif sys.argv[1] == "write-face":
        write_face(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: iso_peer.py read-face IN | write-face IN.jpg OUT")
