"""Address pieces as operators type them. Plain Python, no database."""

import re

_DIGITS = re.compile(r"\d+")


def normalize_rt_rw(raw: object) -> str:
    """'2', '02', '002', 'RT 2' and 2.0 are the same neighbourhood: '002'. Empty when unknown."""
    if raw is None:
        return ""
    text = str(raw).strip()
    if text.endswith(".0"):
        text = text[:-2]
    found = _DIGITS.findall(text)
    if len(found) != 1 or int(found[0]) == 0 or len(found[0].lstrip("0")) > 3:
        return ""
    return f"{int(found[0]):03d}"


def fold_name(name: str) -> str:
    """Upper case with single spaces: how names are stored for searching."""
    return " ".join(str(name).upper().replace(".", ". ").split()).replace(" .", ".")
