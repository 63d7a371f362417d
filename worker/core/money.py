"""Money: an amount in the currency's own minor units, formatted the way its readers write it.

¥450,000 is 450000 minor units (the yen has none below it) and $4,500 is 450000 cents: the
precision comes from the currency (ISO 4217, via Babel), never from a fixed "divide by 100".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Babel is imported where an amount is formatted or a currency's precision is asked: a report
# table that shows no amount, and every command that never formats one, start without it.

DEFAULT_LOCALE = "en"
# Babel writes a letter code flush against the figure in English ("CHF1,250.50"); people space it.
_CODE_TOUCHING_FIGURE = re.compile(r"^([^\W\d_]{2,})(?=\d)")


@dataclass(frozen=True)
class Amount:
    minor: int  # integer minor units of the currency (cents, or yen for JPY)
    currency: str  # ISO 4217 code, or "" when none was written and no default was given

    @property
    def major(self) -> Decimal:
        return from_minor(self.minor, self.currency)

    def or_currency(self, default: str) -> Amount:
        """In `default` when no currency was written: "WON 450000" with JPY is ¥450,000."""
        if self.currency or not default:
            return self
        return Amount(to_minor(self.major, default), default)


def exponent(currency: str) -> int:
    """Digits after the decimal point: 2 for USD/EUR, 0 for JPY/KRW, 3 for KWD."""
    if not currency:
        return 2
    from babel.numbers import get_currency_precision

    return get_currency_precision(currency)


def to_minor(value: Decimal, currency: str) -> int:
    return int((value * 10 ** exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_minor(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency))


def format_money(minor: int | None, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """'$4,500', '¥450,000', '€1,250.50'; whole amounts without ',00'; '' when there is none."""
    if minor is None:
        return ""
    from babel.numbers import format_currency, format_decimal, get_decimal_symbol

    value = from_minor(minor, currency)
    if not currency:
        return format_decimal(value, locale=locale)
    text = format_currency(value, currency, locale=locale)
    places = exponent(currency)
    if places and minor % 10 ** places == 0:  # "$4,500", not "$4,500.00": people write it so
        text = text.replace(get_decimal_symbol(locale) + "0" * places, "", 1)
    return _CODE_TOUCHING_FIGURE.sub("\\1\u00a0", text)


def format_sums(sums: dict[str, int], locale: str = DEFAULT_LOCALE) -> str:
    """One figure per currency, never added across currencies: '$4,500 + €1,200'."""
    return " + ".join(format_money(v, c, locale) for c, v in sorted(sums.items()) if v)


def add(sums: dict[str, int], minor: int | None, currency: str) -> None:
    if minor:
        sums[currency] = sums.get(currency, 0) + minor
