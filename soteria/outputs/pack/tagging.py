"""What the PDF's structure tree needs beyond what WeasyPrint writes, and a reading of it.

WeasyPrint tags header cells as /TH but gives them no /Scope, so a screen reader cannot tell which
data cells a header names: a header in a table's head row names its column, one in the body its row."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any


def _kids(node: Any) -> list[Any]:
    import pikepdf

    k = node.get("/K")
    if isinstance(k, pikepdf.Array):
        return [c for c in k if isinstance(c, pikepdf.Dictionary)]
    if isinstance(k, pikepdf.Dictionary):
        return [k]
    return []


def elements(root: Any, parents: tuple[str, ...] = ()) -> Iterator[tuple[Any, tuple[str, ...]]]:
    """Every structure element under `root` with the roles of its ancestors, in reading order."""
    for kid in _kids(root):
        role = str(kid.get("/S", ""))
        if role:
            yield kid, parents
            yield from elements(kid, (*parents, role))


def _table_attributes(element: Any) -> Any:
    """The element's /Table attribute dictionary (its /A may be one dictionary or an array of them)."""
    import pikepdf

    found = element.get("/A")
    options = list(found) if isinstance(found, pikepdf.Array) else [found]
    for attributes in options:
        if isinstance(attributes, pikepdf.Dictionary) and attributes.get("/O") == pikepdf.Name.Table:
            return attributes
    table = pikepdf.Dictionary(O=pikepdf.Name.Table)
    if isinstance(found, pikepdf.Array):
        found.append(table)
    elif isinstance(found, pikepdf.Dictionary):
        element.A = pikepdf.Array([found, table])
    else:
        element.A = table
    return element.A if not isinstance(element.A, pikepdf.Array) else element.A[-1]


def scope_header_cells(pdf: bytes) -> bytes:
    """The PDF with every /TH given /Scope /Column (in a table's head) or /Row (in its body)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        tree = doc.Root.get("/StructTreeRoot")
        if tree is None:
            return pdf
        for element, parents in elements(tree):
            if str(element.get("/S")) != "/TH":
                continue
            scope = pikepdf.Name.Column if "/THead" in parents else pikepdf.Name.Row
            _table_attributes(element).Scope = scope
        out = io.BytesIO()
        doc.save(out)
    return out.getvalue()
