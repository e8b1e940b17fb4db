"""Small server-rendered SVG charts: no script, no inline style (the CSP forbids both);
colours come from classes in app.css."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 560, 220, 20, 40, 36


def bar_chart_svg(bars: list[tuple[str, int | None]], *, title: str) -> Markup:
    """Vertical bars, one per label. ``None`` is a suppressed count: drawn as a hatched
    placeholder marked "<k", never as a number, exactly as in the exports."""
    if not bars:
        return Markup("")
    highest = max((v for _, v in bars if v), default=1) or 1
    plot = HEIGHT - TOP - BOTTOM
    step = (WIDTH - LEFT) / len(bars)
    width = min(step * 0.6, 64.0)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title>',
        '<desc id="chart-desc">'
        + escape("; ".join(f"{q}: {'suppressed' if v is None else v}" for q, v in bars))
        + "</desc>",
        f'<line class="axis" x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH}" '
        f'y2="{HEIGHT - BOTTOM}"/>',
    ]
    for i, (name, value) in enumerate(bars):
        x = LEFT + i * step + (step - width) / 2
        centre = x + width / 2
        if value is None:
            h = plot * 0.15
            parts.append(
                f'<rect class="bar suppressed" x="{x:.1f}" y="{HEIGHT - BOTTOM - h:.1f}" '
                f'width="{width:.1f}" height="{h:.1f}"/>'
            )
            text = "suppressed"
        else:
            h = plot * value / highest
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{HEIGHT - BOTTOM - h:.1f}" '
                f'width="{width:.1f}" height="{h:.1f}"/>'
            )
            text = str(value)
        parts.append(
            f'<text class="value" x="{centre:.1f}" y="{HEIGHT - BOTTOM - h - 4:.1f}" '
            f'text-anchor="middle">{escape(text)}</text>'
        )
        parts.append(
            f'<text class="label" x="{centre:.1f}" y="{HEIGHT - BOTTOM + 16:.1f}" '
            f'text-anchor="middle">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - labels and titles are escaped above
