"""QR codes for the registration posters, drawn server-side as SVG with segno
(pure Python, no image library, works offline on a government intranet)."""

import io

import segno


def svg(text: str, scale: int = 8) -> str:
    code = segno.make(text, error="m")
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=scale, xmldecl=False, svgns=True, border=2)
    return buffer.getvalue().decode()
