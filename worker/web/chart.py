"""The overview's chart as SVG geometry: given above the line, received below, the running balance
as a line. Pure numbers in, shapes out; the template draws them (no script, no inline style)."""
from dataclasses import dataclass

WIDTH, HEIGHT, PAD_X, PAD_TOP, PAD_BOTTOM = 720, 260, 40, 16, 28


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str      # "given" | "received"
    title: str    # the tooltip, and what a screen reader says


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    balance: str                      # the polyline's points
    dots: list[tuple[float, float, str]]
    labels: list[tuple[float, str]]   # month labels along the bottom
    ticks: list[tuple[float, str]]    # y positions of the scale's lines, with their numbers
    zero: float                       # y of the zero line
    summary: str                      # the chart in one sentence (the SVG's <desc>)


def build(months: list[dict]) -> Chart:
    """months: [{month: "2026-01", given, received, balance}] oldest first (balance running)."""
    top = max([1, *(m["given"] for m in months), *(m["balance"] for m in months)])
    bottom = max([1, *(m["received"] for m in months), *(-m["balance"] for m in months)])
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    scale = plot_h / (top + bottom)
    zero = PAD_TOP + top * scale
    slot = (WIDTH - 2 * PAD_X) / max(1, len(months))
    bar_w = max(4.0, slot * 0.32)
    bars, points, dots, labels = [], [], [], []
    for i, m in enumerate(months):
        center = PAD_X + slot * (i + 0.5)
        g, r = m["given"], m["received"]
        bars.append(Bar(center - bar_w - 1, zero - g * scale, bar_w, g * scale, "given", f"{m['month']}: gave {g}"))
        bars.append(Bar(center + 1, zero, bar_w, r * scale, "received", f"{m['month']}: received {r}"))
        y = zero - m["balance"] * scale
        points.append(f"{center:.1f},{y:.1f}")
        dots.append((round(center, 1), round(y, 1), f"{m['month']}: balance {m['balance']:+d}"))
        labels.append((round(center, 1), _month_label(m["month"])))
    ticks = [(round(zero - v * scale, 1), f"{v:+d}" if v else "0") for v in _steps(top, bottom)]
    last = months[-1] if months else None
    summary = (f"From {months[0]['month']} to {last['month']}: gave {sum(m['given'] for m in months)}, received "
               f"{sum(m['received'] for m in months)}, balance now {last['balance']:+d}") if last else "No referrals"
    return Chart(WIDTH, HEIGHT, bars, " ".join(points), dots, labels, ticks, round(zero, 1), summary)


def _steps(top: int, bottom: int) -> list[int]:
    step = max(1, _nice((top + bottom) / 4))
    return list(range(-(bottom // step) * step, top + 1, step))


def _nice(x: float) -> int:
    for n in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if x <= n:
            return n
    return int(x)


def _month_label(month: str) -> str:
    names = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    year, mm = month.split("-")
    return f"{names[int(mm) - 1]}" + (f" {year[2:]}" if mm == "01" else "")
