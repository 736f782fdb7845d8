"""Draw the PWA icons and favicon: a white arch bridge (枫桥, Maple Bridge) under a red maple leaf
on police blue.

Re-run after changing the design; it overwrites the PNGs beside this file:

    python scripts/make_icons.py

Needs only Pillow. No text is drawn, so no CJK font is needed. Shapes are drawn at several
times the target size and scaled down, which is what anti-aliases them.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent.parent / "static" / "icons"

BLUE = (31, 78, 140, 255)  # #1f4e8c
WHITE = (255, 255, 255, 255)
RED = (214, 48, 49, 255)  # #d63031
# Light blue: reads as water without competing with the bridge.
WATER = (143, 179, 224, 255)

SUPERSAMPLE = 8

# Geometry in "content" units: a unit square that each icon scales into its own safe area.
# y grows downwards, as in image coordinates.
BRIDGE_LEFT, BRIDGE_RIGHT = 0.06, 0.94
BRIDGE_BASE = 0.72  # springing line of the arch, where the pillars stand in the water
BRIDGE_END_TOP = 0.60  # deck height over each pillar
CROWN_TOP = 0.40  # deck height over the middle of the arch
ARCH_RADIUS = 0.235  # the opening under the deck: a semicircle on the base line


def _maple_leaf(cx: float, cy: float, size: float, tilt: float = -15) -> list[tuple[float, float]]:
    """A palmate maple leaf (Acer palmatum: five pointed lobes, thin stem), ``size`` = lobe length.

    Deliberately not the broad, toothed sugar-maple leaf of the Canadian flag.
    """
    # (degrees from up, length) of each lobe, left to right.
    lobes = [(-118, 0.66), (-60, 0.92), (0, 1.0), (60, 0.92), (118, 0.66)]
    # Right edge of the stem, up to where it joins the blade.
    points: list[tuple[float, float]] = [(0.05, 0.62), (0.0, 0.22)]
    for i, (angle, length) in enumerate(lobes):
        for da, r in ((-17, 0.62 * length), (0, length), (17, 0.62 * length)):
            points.append(_polar(angle + da, r))
        if i < len(lobes) - 1:  # the notch between this lobe and the next
            points.append(_polar((angle + lobes[i + 1][0]) / 2, 0.40))
    points += [(0.0, 0.22), (-0.05, 0.62)]
    turn = math.radians(tilt)
    cos, sin = math.cos(turn), math.sin(turn)
    return [(cx + (x * cos - y * sin) * size, cy + (x * sin + y * cos) * size) for x, y in points]


def _polar(degrees_from_up: float, r: float) -> tuple[float, float]:
    a = math.radians(degrees_from_up)
    return (r * math.sin(a), -r * math.cos(a))


def _bridge(bold: bool) -> list[tuple[float, float]]:
    """Outline of the bridge: hump-backed deck over a semicircular arch between two pillars."""
    crown_top = CROWN_TOP - (0.04 if bold else 0.0)
    arch_radius = ARCH_RADIUS - (0.03 if bold else 0.0)
    points: list[tuple[float, float]] = [
        (BRIDGE_LEFT, BRIDGE_BASE),
        (BRIDGE_LEFT, BRIDGE_END_TOP),
    ]
    # Deck: a circular segment through both end tops and the crown.
    half_span = (BRIDGE_RIGHT - BRIDGE_LEFT) / 2
    sag = BRIDGE_END_TOP - crown_top
    radius = (half_span**2 + sag**2) / (2 * sag)
    centre_y = crown_top + radius
    half_angle = math.asin(half_span / radius)
    steps = 64
    for i in range(steps + 1):
        a = -half_angle + 2 * half_angle * i / steps
        points.append((0.5 + radius * math.sin(a), centre_y - radius * math.cos(a)))
    points.append((BRIDGE_RIGHT, BRIDGE_BASE))
    # Opening: walk the semicircle back from right to left along the base line.
    for i in range(steps + 1):
        a = math.pi * i / steps
        points.append((0.5 + arch_radius * math.cos(a), BRIDGE_BASE - arch_radius * math.sin(a)))
    return points


def _draw_content(draw: ImageDraw.ImageDraw, origin: float, scale: float, small: bool) -> None:
    def px(points):
        return [(origin + x * scale, origin + y * scale) for x, y in points]

    draw.polygon(px(_bridge(bold=small)), fill=WHITE)
    if small:
        # At favicon size a leaf is a smudge: a plain red dot keeps the accent.
        r = 0.12
        cx, cy = 0.5, 0.2
        draw.ellipse(px([(cx - r, cy - r), (cx + r, cy + r)]), fill=RED)
        return
    draw.polygon(px(_maple_leaf(0.5, 0.215, 0.18)), fill=RED)
    # Water: two short strokes under the arch, the lower one shorter.
    for y, x0, x1 in ((0.815, 0.16, 0.84), (0.895, 0.30, 0.70)):
        w = 0.045 * scale
        draw.line(px([(x0, y), (x1, y)]), fill=WATER, width=round(w))
        for x in (x0, x1):  # round caps
            cx, cy = px([(x, y)])[0]
            draw.ellipse((cx - w / 2, cy - w / 2, cx + w / 2, cy + w / 2), fill=WATER)


def render(size: int, *, content: float, corner: float, small: bool = False) -> Image.Image:
    """One icon.

    ``content`` is the share of the side the design's unit square takes, centred;
    ``corner`` the background's corner radius as a share of the side (0: full-bleed square).
    """
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if corner:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=corner * big, fill=BLUE)
    else:
        draw.rectangle((0, 0, big, big), fill=BLUE)
    scale = content * big
    _draw_content(draw, (big - scale) / 2, scale, small)
    return image.resize((size, size), Image.Resampling.LANCZOS)


ICONS = {
    # "any" purpose: rounded square, the design fills most of it.
    "icon-192.png": {"size": 192, "content": 0.84, "corner": 0.2},
    "icon-512.png": {"size": 512, "content": 0.84, "corner": 0.2},
    # "maskable": full bleed; everything stays inside the central circle of radius 40 %.
    "icon-maskable-512.png": {"size": 512, "content": 0.72, "corner": 0},
    # iOS rounds the corners itself and shows transparency as black: full bleed, opaque.
    "apple-touch-icon.png": {"size": 180, "content": 0.8, "corner": 0},
    "favicon.png": {"size": 32, "content": 0.96, "corner": 0.18, "small": True},
}


def main() -> None:
    for name, spec in ICONS.items():
        image = render(**spec)
        if not spec["corner"]:
            image = image.convert("RGB")  # full bleed: no alpha needed
        image.save(HERE / name, optimize=True)
        print(f"wrote {name} ({image.width}x{image.height})")


if __name__ == "__main__":
    main()
