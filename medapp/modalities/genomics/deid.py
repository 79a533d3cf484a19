"""De-identification of a saved expression profile before the case store keeps it.

A saved profile is `gene,value` rows. Sample names in uploaded files are often laboratory or
patient identifiers, so the stored copy keeps only gene identifiers and numbers: the header is
rewritten and any row that is not a gene with a number (or an empty value) is dropped.
"""
from __future__ import annotations

import re

_GENE = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{0,40}$")


def deidentify_bytes(data: bytes) -> bytes:
    lines = ["gene,value"]
    for raw in data.decode("utf-8").splitlines()[1:]:
        parts = raw.split(",")
        if len(parts) != 2 or not _GENE.match(parts[0]):
            continue
        value = parts[1].strip()
        if value:
            float(value)  # anything else is not a profile: refuse rather than store it
        lines.append(f"{parts[0]},{value}")
    if len(lines) < 3:
        raise ValueError("not an expression profile (gene,value rows)")
    return ("\n".join(lines) + "\n").encode()
