"""Rectangles that tile the demo city, so maps have boundaries to draw."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

# At latitude 44° a degree of longitude is about 0.72 of a degree of latitude;
# cutting across the longer side in kilometres keeps the cells near-square.
LON_KM_FACTOR = 0.72


class Rect(NamedTuple):
    west: float
    south: float
    east: float
    north: float


CITY_AREA = Rect(116.03, 43.90, 116.13, 43.98)


def treemap(rect: Rect, weights: Sequence[float]) -> list[Rect]:
    """Split rect into len(weights) rectangles with areas proportional to the weights."""
    if len(weights) == 1:
        return [rect]
    cut = _balanced_cut(weights)
    first, second = _split(rect, sum(weights[:cut]) / sum(weights))
    return treemap(first, weights[:cut]) + treemap(second, weights[cut:])


def _balanced_cut(weights: Sequence[float]) -> int:
    """The index that splits weights into two runs of nearly equal total."""
    half, running = sum(weights) / 2, 0.0
    for index, weight in enumerate(weights[:-1], start=1):
        running += weight
        if running >= half:
            return index
    return len(weights) - 1


def _split(rect: Rect, share: float) -> tuple[Rect, Rect]:
    width = (rect.east - rect.west) * LON_KM_FACTOR
    height = rect.north - rect.south
    if width >= height:
        cut = rect.west + (rect.east - rect.west) * share
        return rect._replace(east=cut), rect._replace(west=cut)
    cut = rect.south + height * share
    return rect._replace(north=cut), rect._replace(south=cut)


def polygon(rect: Rect) -> dict:
    """A closed GeoJSON Polygon ring, counter-clockwise as RFC 7946 asks."""
    west, south, east, north = (round(value, 6) for value in rect)
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}
