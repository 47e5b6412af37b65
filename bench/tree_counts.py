"""Compare two ways of counting people per shown tree node (not run by the tests).

Run: JICENG_VAR_DIR=/tmp/bench .venv/bin/jiceng migrate -v0 &&
     JICENG_VAR_DIR=/tmp/bench .venv/bin/jiceng shell < bench/tree_counts.py

A: one group-by of people on their home unit's path, rolled up in Python
   (jiceng.orgs.tree.annotate_counts).
B: one aggregate with a conditional Count per child over its subtree range.
"""

import time

from django.db.models import Count, Q

from jiceng.accounts.models import User
from jiceng.core.scoping import subtree_bounds
from jiceng.orgs import tree
from jiceng.orgs.models import Unit
from jiceng.people.models import Person

STREETS, COMMUNITIES, GRIDS, PEOPLE_PER_GRID = 10, 10, 6, 50


def build() -> Unit:
    city = Unit.objects.create(name="市", kind="city", code="15")
    people = []
    for s in range(STREETS):
        street = Unit.objects.create(name=f"街{s}", kind="street", parent=city, code=f"15{s:03d}")
        for c in range(COMMUNITIES):
            community = Unit.objects.create(
                name=f"社{c}", kind="community", parent=street, code=f"{street.code}{c:03d}"
            )
            for g in range(GRIDS):
                grid = Unit.objects.create(
                    name=f"格{g}", kind="grid", parent=community, code=f"{community.code}{g:03d}"
                )
                people += [Person(name="人", home_unit=grid) for _ in range(PEOPLE_PER_GRID)]
    Person.objects.bulk_create(people, batch_size=5000)
    return city


def conditional_counts(user, nodes):
    aggregates = {}
    for node in nodes:
        low, high = subtree_bounds(node.path)
        condition = Q(home_unit__path__gte=low, home_unit__path__lt=high)
        aggregates[f"n{node.pk}"] = Count("pk", filter=condition)
    return Person.objects.visible_to(user).aggregate(**aggregates)


def timed(label, function, repeat=20):
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    print(f"{label}: {(time.perf_counter() - start) / repeat * 1000:.1f} ms")


city = Unit.objects.filter(parent=None).first() or build()
root = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser("b", "", "x")
print("people:", Person.objects.count(), "units:", Unit.objects.count())
for parent in (city, city.children.first()):
    children = list(Unit.objects.filter(parent=parent))
    timed(f"A group-by + roll-up, {parent.kind}", lambda c=children: tree.annotate_counts(root, c))
    timed(f"B conditional counts, {parent.kind}", lambda c=children: conditional_counts(root, c))
