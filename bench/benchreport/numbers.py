"""Medians and the number formats of the report.

Numbers are printed as Python's format() prints them ("1,234.57": thousands
separators, the usual rounding of the binary value). None stands for a value
that could not be computed and prints as "n/a".
"""
import math


def median(xs):
    """The median of xs (mean of the two middle values for an even count),
    None for an empty list."""
    s = sorted(xs)
    n = len(s)
    if not n:
        return None
    if n % 2:
        return s[n // 2]
    return (s[n // 2 - 1] + s[n // 2]) / 2


def fixed(x, digits):
    """x with DIGITS decimals, no separators ("nan" for NaN)."""
    return f"{x:.{digits}f}"


def grouped(x, digits):
    """x with DIGITS decimals and thousands separators."""
    return f"{x:,.{digits}f}"


def fmt(x, digits):
    """grouped(), or "n/a" for None."""
    return "n/a" if x is None else grouped(x, digits)


def spread(xs, digits):
    """"min-max" of xs, "n/a" for an empty list."""
    if not xs:
        return "n/a"
    return f"{grouped(min(xs), digits)}-{grouped(max(xs), digits)}"


def whole(x):
    """x rounded to an integer, no separators."""
    return f"{x:.0f}"


def plain(x):
    """A number as the raw records hold it: integers as integers, anything
    else with 6 significant digits."""
    if isinstance(x, float):
        if math.isfinite(x) and x == int(x):
            return f"{int(x):d}"
        return f"{x:.6g}"
    return str(x)


def truthy(x):
    """A value that exists and is not zero."""
    return x is not None and x != 0
