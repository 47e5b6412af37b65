"""Validation of unit boundaries given as GeoJSON polygons."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_POINTS = 5000


def _check_ring(ring) -> int:
    if not isinstance(ring, list) or len(ring) < 4:
        raise ValidationError(_("边界多边形的每个环至少需要 4 个坐标点。"))
    for point in ring:
        if (
            not isinstance(point, list | tuple)
            or len(point) < 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in point[:2])
        ):
            raise ValidationError(_("边界坐标必须是 [经度, 纬度] 形式的数字。"))
        lon, lat = point[0], point[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValidationError(_("边界坐标超出经纬度范围：%(point)s") % {"point": point[:2]})
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise ValidationError(_("边界多边形的环必须闭合（首尾坐标相同）。"))
    return len(ring)


def validate_boundary(value) -> None:
    """Accept a GeoJSON Polygon or MultiPolygon geometry (or a Feature wrapping one)."""
    if value in (None, ""):
        return
    if not isinstance(value, dict):
        raise ValidationError(_("边界必须是 GeoJSON 对象。"))
    if value.get("type") == "Feature":
        value = value.get("geometry")
        if not isinstance(value, dict):
            raise ValidationError(_("GeoJSON Feature 缺少 geometry。"))
    kind, coords = value.get("type"), value.get("coordinates")
    if kind == "Polygon":
        polygons = [coords]
    elif kind == "MultiPolygon":
        polygons = coords
    else:
        raise ValidationError(_("边界类型必须是 Polygon 或 MultiPolygon。"))
    if not isinstance(polygons, list) or not polygons:
        raise ValidationError(_("边界缺少坐标。"))
    points = 0
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ValidationError(_("边界多边形格式不正确。"))
        for ring in polygon:
            points += _check_ring(ring)
    if points > MAX_POINTS:
        raise ValidationError(
            _("边界坐标点过多（%(n)s 个），上限为 %(max)s 个。") % {"n": points, "max": MAX_POINTS}
        )
