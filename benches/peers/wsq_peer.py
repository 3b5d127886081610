#!/usr/bin/env python3
"""Independent WSQ peer: NIST NBIS's WSQ codec as shipped in the PyPI `wsq` package.

Usage (PGM = binary 8-bit P5):
  wsq_peer.py decode IN.wsq OUT.pgm      NBIS decodes a WSQ file (ours or anyone's)
  wsq_peer.py encode IN.pgm OUT.wsq      NBIS encodes (its default bit rate, 0.75)

Set up once:  python3 -m venv /var/cache/rekam/venv-wsq &&
              /var/cache/rekam/venv-wsq/bin/pip install wsq==0.9 nistitl==0.6 iso19794==0.1.0
"""
import sys

import _wsq  # the NBIS C extension inside the `wsq` package
import wsq  # noqa: F401  (registers the Pillow plugin; keeps the package honest)


def read_pgm(path):
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P5", "binary PGM expected"
    w, h = int(fields[1]), int(fields[2])
    pos += 1
    return w, h, data[pos:pos + w * h]


def write_pgm(path, w, h, pixels):
    with open(path, "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (w, h))
        f.write(bytes(pixels))


def main():
    cmd, src, dst = sys.argv[1:4]
    if cmd == "decode":
        buf, w, h, ppi = _wsq.decompress(open(src, "rb").read())
        write_pgm(dst, w, h, buf)
        print(f"{w} {h} {ppi}")
    elif cmd == "encode":
        w, h, pixels = read_pgm(src)
        out = _wsq.compress(pixels, h, w, 0.75)  # the extension always uses 0.75
        open(dst, "wb").write(out)
        print(len(out))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
