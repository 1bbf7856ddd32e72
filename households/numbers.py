"""NIK and No. KK as digits, in plain Python (no Django): shared by the identity checks' pages
and the matching engine (dedup/engine), which must run without Django."""


def sixteen_digits(value: str) -> bool:
    return len(value) == 16 and value.isascii() and value.isdigit()


def nik_distance(a: str, b: str) -> int | None:
    """0 when equal, 1 for one wrong digit or two neighbouring digits swapped, else None (also
    when either is not 16 digits)."""
    if not (sixteen_digits(a) and sixteen_digits(b)):
        return None
    if a == b:
        return 0
    i = 0
    while a[i] == b[i]:  # they differ somewhere: checked above
        i += 1
    if a[i + 1 :] == b[i + 1 :]:
        return 1
    swapped = a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    return 1 if swapped else None
