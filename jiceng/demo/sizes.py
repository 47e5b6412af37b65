"""How many of everything the demo city has at a given scale."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Scale 1 follows the article: 620 grids, 202 department party organizations
# and 7,162 in-service party members who reported to their communities.
BASE = {
    "streets": 8,
    "communities": 55,
    "grids": 620,
    "departments": 202,
    "in_service": 7162,
    "persons": 9000,
}
# Street codes have three digits (GB/T 10114), so at most 999 streets.
MAX_SCALE = 100
# Two demo staff people (street_admin, community_admin) besides the roles below.
STAFF = 2


@dataclass(frozen=True)
class Sizes:
    streets: int
    communities: int
    grids: int
    departments: int
    in_service: int
    residents: int  # residents who are neither in-service members nor unit staff

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        def scaled(key: str, minimum: int = 1) -> int:
            return max(minimum, round(BASE[key] * scale))

        streets = scaled("streets")
        communities = scaled("communities", streets)
        grids = scaled("grids", communities)
        departments = scaled("departments")
        # Each department needs two members: its secretary and one more.
        in_service = scaled("in_service", 2 * departments)
        staff = grids + streets + communities + STAFF
        residents = max(0, round(BASE["persons"] * scale) - in_service - staff)
        return cls(streets, communities, grids, departments, in_service, residents)

    @property
    def persons(self) -> int:
        return (
            self.in_service + self.grids + self.streets + self.communities + STAFF + self.residents
        )


def apportion(total: int, weights: Sequence[float], minimum: int = 1) -> list[int]:
    """Split total into integer parts proportional to weights (largest remainder),
    each at least `minimum`; the parts always add up to total exactly."""
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError("total too small for the minimum")
    quotas = [spare * weight / sum(weights) for weight in weights]
    parts = [int(quota) for quota in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: parts[i] - quotas[i])
    for index in by_remainder[: spare - sum(parts)]:
        parts[index] += 1
    return [part + minimum for part in parts]
