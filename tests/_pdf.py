"""Minimal PDFs with a Chinese text layer, for tests (no PDF writer needed)."""


def make_pdf(pages: list[str]) -> bytes:
    """A PDF whose pages carry ``pages`` as their text layer: a Type0 font with
    Identity-H encoding and an identity ToUnicode map, so pypdf extracts any BMP
    text (Chinese included) exactly; an empty string gives a page with no text,
    like a scan."""
    objs: list[bytes] = []

    def add(body: bytes) -> int:
        objs.append(body)
        return len(objs)

    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap "
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def "
            b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def "
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange "
            b"1 beginbfrange <0000> <FFFF> <0000> endbfrange "
            b"endcmap CMapName currentdict /CMap defineresource pop end end")
    tu = add(b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream")
    desc = add(b"<< /Type /FontDescriptor /FontName /Fake /Flags 4 /FontBBox [0 0 1000 1000] "
               b"/ItalicAngle 0 /Ascent 1000 /Descent 0 /CapHeight 1000 /StemV 80 >>")
    cid = add(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Fake /CIDSystemInfo "
              b"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R "
              b"/DW 1000 >>" % desc)
    font = add(b"<< /Type /Font /Subtype /Type0 /BaseFont /Fake /Encoding /Identity-H "
               b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (cid, tu))
    page_ids = []
    pages_id = len(objs) + 1 + 2 * len(pages)
    for text in pages:
        ops = []
        y = 800
        for line in text.split("\n"):
            hexs = line.encode("utf-16-be").hex().upper().encode()
            ops.append(b"BT /F1 12 Tf 20 %d Td <%s> Tj ET" % (y, hexs))
            y -= 14
        stream = b"\n".join(ops)
        c = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        page_ids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                            b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                            % (pages_id, font, c)))
    kids = b" ".join(b"%d 0 R" % i for i in page_ids)
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))) == pages_id
    cat = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.7\n")
    offs = []
    for i, body in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, cat, xref)
    return bytes(out)
