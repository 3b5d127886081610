#!/usr/bin/env python3
"""Independent ANSI/NIST-ITL peer: the PyPI `nistitl` 0.6 parser/builder (IDEMIA).

  nist_peer.py dump IN.an2
      Parses IN with nistitl and prints every field of every record, one per line:
      TYPE<TAB>IDC<TAB>TAG<TAB>VALUE, where VALUE is the hex of the field text with its
      subfield (RS) and item (US) separators, or BIN:<len>:<fnv1a64> for binary data.
      Binary records (Type-8) print TAG "-" and their bytes after the IDC.
  nist_peer.py build OUT.an2 FINGER.wsq FACE.jpg
      Builds an enrollment transaction with nistitl alone (Rekam's Dukcapil Type-2 field
      set, one Type-14 WSQ finger, its Type-9 minutiae, a Type-10 face, a Type-8 signature).
"""
import struct
import sys

import nistitl

RS, US = "\x1e", "\x1f"


def fnv(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def binary(data):
    return "BIN:%d:%016x" % (len(data), fnv(data))


def text(value):
    if isinstance(value, (list, tuple)):
        parts = []
        for sf in value:
            parts.append(US.join(str(i) for i in sf) if isinstance(sf, (list, tuple)) else str(sf))
        value = RS.join(parts)
    return str(value).encode("latin-1").hex()


def dump(path):
    msg = nistitl.Message()
    msg.parse(open(path, "rb").read())
    for rec in msg:
        if isinstance(rec, nistitl.BinaryRecord):
            print(f"{rec.type}\t{rec.IDC}\t-\t{binary(rec.value)}")
            continue
        idc = "-" if rec.type == 1 else str(rec.IDC)
        for f in rec._fields:
            if isinstance(f, nistitl.BinaryField):
                print(f"{rec.type}\t{idc}\t{f.tag}\t{binary(f.value)}")
            else:
                print(f"{rec.type}\t{idc}\t{f.tag}\t{text(f.value)}")


def build(out, wsq_path, jpeg_path):
    wsq = open(wsq_path, "rb").read()
    jpeg = open(jpeg_path, "rb").read()
    msg = nistitl.Message()
    r1 = msg[0]
    r1.VER = "0500"
    msg.TOT = "ENR"
    r1.DAT = "20261126"
    r1.DAI = "AFIS-PUSAT"
    r1.ORI = "DISDUKCAPIL-3171"
    r1.TCN = "PEER-0001"
    r1 += nistitl.Field(1, 6, "2")
    r1 += nistitl.Field(1, 13, [["REKAM", "1"]])

    r2 = nistitl.AsciiRecord(2)
    r2.IDC = 0
    for tag, value in [
        (3, "REKAM-DUKCAPIL-1"), (10, "3171012501900007"), (18, "SITI NURHALIZA"),
        (20, "BANDUNG"), (22, "19900125"), (24, "P"), (25, "O"),
        (30, [["JL. MERDEKA NO. 17", "003", "005", "GAMBIR", "GAMBIR", "JAKARTA PUSAT", "DKI JAKARTA"]]),
        (35, "ISLAM"), (36, "KAWIN"), (37, "KARYAWAN SWASTA"), (38, "WNI"), (40, "KTP-EL-BARU"),
    ]:
        r2 += nistitl.Field(2, tag, value)
    msg += r2

    # Type-8 signature: SIG 0, SRT 0, ISR 0, 16 × 2 pixels, a diagonal-ish stroke.
    r8 = nistitl.BinaryRecord(8)
    r8.IDC = 3
    r8.value = struct.pack("!BBBHH", 0, 0, 0, 16, 2) + bytes([0xF0, 0x0F, 0x0F, 0xF0])
    msg += r8

    r9 = nistitl.AsciiRecord(9)
    r9.IDC = 1
    for tag, value in [
        (3, "0"), (4, "S"), (5, [["PEER-EXTRACTOR", "A"]]), (6, "2"), (7, [["T", "UC"]]),
        (10, "2"), (11, "0"),
        (12, [["1", "06251270045", "56", "A"], ["2", "10160508180", "30", "B"]]),
    ]:
        r9 += nistitl.Field(9, tag, value)
    msg += r9

    r10 = nistitl.AsciiRecord(10)
    r10.IDC = 2
    for tag, value in [
        (3, "FACE"), (4, "DISDUKCAPIL-3171"), (5, "20261126"), (6, "48"), (7, "64"), (8, "0"),
        (9, "1"), (10, "1"), (11, "JPEGB"), (12, "YCC"), (20, "F"),
    ]:
        r10 += nistitl.Field(10, tag, value)
    r10 += nistitl.BinaryField(10, 999, jpeg)
    msg += r10

    r14 = nistitl.AsciiRecord(14)
    r14.IDC = 1
    for tag, value in [
        (3, "0"), (4, "DISDUKCAPIL-3171"), (5, "20261126"), (6, "388"), (7, "374"), (8, "1"),
        (9, "500"), (10, "500"), (11, "WSQ20"), (12, "8"), (13, "2"), (22, [["2", "2"]]),
        (24, [["2", "77", "0000", "1"]]),
    ]:
        r14 += nistitl.Field(14, tag, value)
    r14 += nistitl.BinaryField(14, 999, wsq)
    msg += r14

    open(out, "wb").write(msg.NIST)


def main():
    if sys.argv[1] == "dump":
        dump(sys.argv[2])
    elif sys.argv[1] == "build":
        build(*sys.argv[2:5])
    else:
        sys.exit("usage: nist_peer.py dump IN | build OUT WSQ JPEG")


if __name__ == "__main__":
    main()
