"""Valid, unique resident ID numbers (GB 11643) and mobile numbers for demo people."""

from __future__ import annotations

import datetime
import itertools
import random
from functools import cache

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

# Where demo residents' numbers were issued: mostly Xilinhot, then the league's
# banners and counties, a few from Hohhot.
AREA_WEIGHTS = {
    "152502": 55,
    "152501": 4,
    "152522": 4,
    "152523": 3,
    "152524": 3,
    "152525": 6,
    "152526": 6,
    "152527": 4,
    "152528": 3,
    "152529": 3,
    "152530": 3,
    "152531": 3,
    "150102": 2,
    "150105": 1,
}
# Xilinhot's code dates from 1983; before that the area was 阿巴哈纳尔旗 (152521).
PREDECESSOR = {"152502": "152521"}
FALLBACK_AREA = "152522"

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"

MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "147",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "175",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "184",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]


def check_digit(first17: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character for the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


@cache
def area_valid_in(area: str, year: int) -> bool:
    """Whether an area code existed in a birth year (the validator checks this)."""
    number = f"{area}{year}0101001"
    try:
        ric.get_birth_place(number + check_digit(number))
    except stdnum_errors.ValidationError:
        return False
    return True


class IdNumbers:
    """Hands out unique ID numbers whose birth date and gender digit match the person."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.issued: set[str] = set()
        self.areas = list(AREA_WEIGHTS)
        self.cum_weights = list(itertools.accumulate(AREA_WEIGHTS.values()))

    def make(self, birth: datetime.date, female: bool) -> str:
        area = self._area(birth.year)
        while True:
            # The 17th digit is odd for men and even for women.
            sequence = self.rng.randrange(2 if female else 1, 1000, 2)
            first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
            number = first17 + check_digit(first17)
            if number not in self.issued:
                self.issued.add(number)
                return number

    def _area(self, year: int) -> str:
        area = self.rng.choices(self.areas, cum_weights=self.cum_weights)[0]
        if area_valid_in(area, year):
            return area
        older = PREDECESSOR.get(area, FALLBACK_AREA)
        return older if area_valid_in(older, year) else FALLBACK_AREA


class Phones:
    """Unique mainland mobile numbers (1[3-9] and nine more digits)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.issued: set[str] = set()

    def make(self) -> str:
        while True:
            phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.issued:
                self.issued.add(phone)
                return phone
