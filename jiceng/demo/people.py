"""Demo residents: names, ID numbers, phones, party membership and care tags."""

from __future__ import annotations

import datetime
import itertools
import random

from faker import Faker

from jiceng.orgs.models import Department, Unit
from jiceng.people.choices import PoliticalStatus
from jiceng.people.models import CareTag, Person

from .ids import IdNumbers, Phones
from .names import ETHNICITY_WEIGHTS, PersonNames

# Ages and dates are counted from the article's date, not from today, so the
# same seed always gives the same people.
AS_OF = datetime.date(2023, 12, 25)
BATCH = 1000
PHONE_MIN_AGE = 14

# (tag, probability, who qualifies) for residents who are not in-service members.
RESIDENT_TAGS = [
    ("高龄老人", 0.8, lambda age, male, mongol: age >= 80),
    ("独居老人", 0.15, lambda age, male, mongol: age >= 60),
    ("空巢老人", 0.25, lambda age, male, mongol: age >= 60),
    ("留守儿童", 0.1, lambda age, male, mongol: age < 16),
    ("残疾人", 0.04, lambda age, male, mongol: True),
    ("低保", 0.05, lambda age, male, mongol: True),
    ("特困供养", 0.03, lambda age, male, mongol: age >= 60),
    ("重病患者", 0.03, lambda age, male, mongol: age >= 18),
    ("退役军人", 0.06, lambda age, male, mongol: male and 30 <= age <= 75),
    ("进城牧民", 0.15, lambda age, male, mongol: mongol and age >= 18),
]
IN_SERVICE_TAGS = [("退役军人", 0.04, lambda age, male, mongol: male)]


class PersonFactory:
    """Makes unsaved Person objects and remembers them (and their tags) for one bulk save."""

    def __init__(self, rng: random.Random, fake: Faker):
        self.rng = rng
        self.names = PersonNames(rng, fake)
        self.ids = IdNumbers(rng)
        self.phones = Phones(rng)
        self.ethnicities = list(ETHNICITY_WEIGHTS)
        self.ethnicity_cum = list(itertools.accumulate(ETHNICITY_WEIGHTS.values()))
        self.people: list[Person] = []
        self.tags: list[tuple[Person, str]] = []

    def person(self, home: Unit, ages: tuple[int, int], female_share: float = 0.5) -> Person:
        female = self.rng.random() < female_share
        ethnicity = self.rng.choices(self.ethnicities, cum_weights=self.ethnicity_cum)[0]
        birth = AS_OF - datetime.timedelta(
            days=self.rng.randint(int(ages[0] * 365.25), int((ages[1] + 1) * 365.25) - 1)
        )
        person = Person(
            name=self.names.name(female, ethnicity), ethnicity=ethnicity, home_unit=home
        )
        # The setter encrypts the number and derives birth date and gender from it.
        person.id_number = self.ids.make(birth, female)
        if age_of(person) >= PHONE_MIN_AGE:
            person.phone = self.phones.make()
        self.people.append(person)
        return person

    def join_party(
        self,
        person: Person,
        *,
        unit: Unit | None = None,
        department: Department | None = None,
        probationary_share: float = 0.0,
    ) -> None:
        """Make person a party member of a unit's or a department's party organization."""
        probationary = self.rng.random() < probationary_share
        person.political_status = (
            PoliticalStatus.PROBATIONARY if probationary else PoliticalStatus.PARTY_MEMBER
        )
        person.party_unit = unit
        person.party_department = department
        person.party_join_date = self._join_date(person.birth_date, probationary)

    def _join_date(self, birth: datetime.date, probationary: bool) -> datetime.date:
        # Probationary members joined within the last year; full members earlier,
        # at 19 or older, and at least a year ago.
        if probationary:
            return AS_OF - datetime.timedelta(days=self.rng.randint(10, 360))
        earliest = birth.replace(year=birth.year + 19, day=min(birth.day, 28))
        latest = AS_OF - datetime.timedelta(days=400)
        span = max(0, (latest - earliest).days)
        return earliest + datetime.timedelta(days=self.rng.randint(0, min(span, 26 * 365)))

    def add_tags(self, person: Person, rules) -> None:
        age, male = age_of(person), person.gender == "male"
        mongol = person.ethnicity == "蒙古族"
        for tag, probability, applies in rules:
            if applies(age, male, mongol) and self.rng.random() < probability:
                self.tags.append((person, tag))

    def save(self) -> None:
        """Insert everyone in batches (no signals: seed data is not audited), then tags."""
        Person.objects.bulk_create(self.people, batch_size=BATCH)
        tag_ids = {
            name: CareTag.objects.get_or_create(name=name)[0].pk
            for name in sorted({tag for _, tag in self.tags})
        }
        through = Person.tags.through
        through.objects.bulk_create(
            [through(person_id=person.pk, caretag_id=tag_ids[tag]) for person, tag in self.tags],
            batch_size=BATCH,
        )


def age_of(person: Person) -> int:
    birth = person.birth_date
    return AS_OF.year - birth.year - ((AS_OF.month, AS_OF.day) < (birth.month, birth.day))
