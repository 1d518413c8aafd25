"""Numbers written for people, for the prose of the chapters.

Glue format specs such as ``:.1e`` print program output ("1.5e-03"). The
chapters glue the strings made here instead: "1.5 × 10⁻³", with a real
multiplication sign and superscript digits, which read the same in the HTML
page, in a notebook and in a terminal.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._params import Instance, Integer, Real, validate_params

__all__ = ["times_ten", "for_table"]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


@validate_params(value=Real(), digits=Integer(0))
def times_ten(value, digits: int = 1) -> str:
    """Scientific notation for prose: ``times_ten(0.00153) == "1.5 × 10⁻³"``.

    Parameters
    ----------
    value : float
        Any finite number. Zero is written "0"; a mantissa that rounds to 1
        is dropped ("10⁻⁶", not "1.0 × 10⁻⁶").
    digits : int >= 0, default 1
        Digits after the decimal point of the mantissa.

    Returns
    -------
    str
    """
    if value == 0.0:
        return "0"
    sign = "−" if value < 0 else ""
    mantissa, exponent = f"{abs(value):.{digits}e}".split("e")
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    if float(mantissa) == 1.0:
        return sign + power
    return f"{sign}{mantissa} × {power}"


# A table cell may be a bool (numpy's too), an integer or a finite real number.
@validate_params(value=Instance(numbers.Real, bool, np.bool_), significant=Integer(1))
def for_table(value, significant: int = 3) -> str:
    """A table cell for people: ``"0.0453"`` in the plain range, ``"9.1 × 10⁻⁹"`` outside it.

    Numbers with ``1e-3 <= |value| < 1e5`` keep ``significant`` significant
    digits in plain decimals; smaller and larger ones go through
    :func:`times_ten` (with ``significant - 1`` digits, at least one). Meant
    as a pandas ``Styler.format`` formatter; booleans pass through as their
    text and integers get thousands separators ("1,000,000").

    Parameters
    ----------
    value : bool, int or finite float
    significant : int >= 1, default 3
    """
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"value must be finite, got {value}")
    if value == 0.0 or 1e-3 <= abs(value) < 1e5:
        return f"{value:.{significant}g}".replace("-", "−")
    return times_ten(value, max(significant - 2, 1))
