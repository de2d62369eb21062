"""Areas given by code or by name: "West Midlands Police", "CPS Cymru/Wales", "Devon & Cornwall".

Names are matched ignoring case, spacing, punctuation and "&"/"and". Each area answers to its code, its
name, and a few plain variants: forces with "Police", "Constabulary" or "Police Force" after the name,
CPS Areas with "CPS" before it, plus the aliases below. A name that matches more than one area
("West Midlands" is a force and a CPS Area) is ambiguous unless the kind of area is known (the MoJ CSV
says it per row); the evaluator is asked to use the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

# Further names by area code (real variants seen in published tables).
ALIASES: dict[str, tuple[str, ...]] = {
    "E23000001": ("Metropolitan", "Metropolitan Police Service", "Met Police"),
    "E23000034": ("City of London", "City of London Police"),
    "E23000035": ("Devon and Cornwall Police",),
    "E23000012": ("Humberside Police",),
    "BTP": ("British Transport Police",),
    "CPS-CYM": ("Wales", "Cymru", "CPS Wales", "CPS Cymru"),
    "CPS-MC": ("Merseyside and Cheshire", "CPS Merseyside and Cheshire"),
    "CPS-YH": ("Yorkshire and the Humber", "CPS Yorkshire and the Humber"),
}


def name_key(text: str) -> str:
    """The form names are compared in: lower-case letters and digits only, "&" and "and" dropped."""
    text = re.sub(r"\band\b", " ", text.lower().replace("&", " and "))
    return re.sub(r"[^a-z0-9]", "", text)


def name_key_expr(text: pl.Expr) -> pl.Expr:
    """name_key as a polars expression."""
    lowered = text.str.to_lowercase().str.replace_all("&", " and ", literal=True)
    return lowered.str.replace_all(r"\band\b", " ").str.replace_all(r"[^a-z0-9]", "")


def _variants(code: str, name: str, kind: str) -> set[str]:
    names = {code, name, *ALIASES.get(code, ())}
    if kind == "force":
        names |= {f"{name} {suffix}" for suffix in ("Police", "Constabulary", "Police Force")}
    else:
        names |= {f"CPS {name}", f"CPS {name} Area", f"{name} CPS Area"}
    return {name_key(n) for n in names}


@dataclass(frozen=True)
class AreaLookup:
    """Maps from name keys to area codes: over all areas, and within each kind."""

    codes: dict[str, str]  # key -> code, keys matching exactly one area
    ambiguous: dict[str, str]  # key -> "E23000014 (West Midlands, force) or CPS-WM (...)"
    by_kind: dict[str, dict[str, str]]  # kind -> key -> code
    kinds: dict[str, str]  # code -> kind

    @classmethod
    def build(cls, areas: pl.DataFrame) -> AreaLookup:
        matches: dict[str, set[tuple[str, str, str]]] = {}
        for code, name, kind in areas.select("area_code", "area_name", "area_kind").iter_rows():
            for key in _variants(code, name, kind):
                matches.setdefault(key, set()).add((code, name, kind))
        codes = {k: next(iter(v))[0] for k, v in matches.items() if len(v) == 1}
        ambiguous = {
            k: " or ".join(
                f"{c} ({n}, {'police force area' if t == 'force' else 'CPS Area'})" for c, n, t in sorted(v)
            )
            for k, v in matches.items()
            if len(v) > 1
        }
        by_kind: dict[str, dict[str, str]] = {}
        for key, found in matches.items():
            for code, _name, kind in found:
                by_kind.setdefault(kind, {})[key] = code
        kinds = dict(zip(areas["area_code"], areas["area_kind"], strict=True))
        return cls(codes, ambiguous, by_kind, kinds)

    def code(self, text: pl.Expr, kind: str | pl.Expr | None = None) -> pl.Expr:
        """The area code for a code or name (null when unknown or ambiguous)."""
        key = name_key_expr(text)
        if kind is None:
            return key.replace_strict(self.codes, default=None, return_dtype=pl.String)
        if isinstance(kind, str):
            return key.replace_strict(self.by_kind.get(kind, {}), default=None, return_dtype=pl.String)
        out = pl.lit(None, pl.String)
        for name, keys in self.by_kind.items():
            found = key.replace_strict(keys, default=None, return_dtype=pl.String)
            out = pl.when(kind == name).then(found).otherwise(out)
        return out

    def code_in_kind(self, kind_and_text: pl.Expr) -> pl.Expr:
        """The code for `kind|name` text (the kind given per row, as in the MoJ CSV)."""
        kind = kind_and_text.str.split_exact("|", 1).struct[0]
        text = kind_and_text.str.split_exact("|", 1).struct[1]
        return self.code(text, kind)

    def ambiguity(self, text: pl.Expr) -> pl.Expr:
        """For an ambiguous name, the areas it matches; null otherwise."""
        return name_key_expr(text).replace_strict(self.ambiguous, default=None, return_dtype=pl.String)

    def kind(self, code: pl.Expr) -> pl.Expr:
        return code.replace_strict(self.kinds, default=None, return_dtype=pl.String)
