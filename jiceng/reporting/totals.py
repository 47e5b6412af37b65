"""Monthly service totals per community and per department (ServiceTotal)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth

from .models import ServiceRecord, ServiceRecordState, ServiceTotal


def add(record: ServiceRecord) -> None:
    """Count one newly confirmed record in its community's and department's month."""
    month = record.date.replace(day=1)
    owners = [{"community_id": record.community_id}]
    if record.department_id:
        owners.append({"department_id": record.department_id})
    for owner in owners:
        total, _ = ServiceTotal.objects.get_or_create(month=month, **owner)
        ServiceTotal.objects.filter(pk=total.pk).update(
            records=F("records") + 1,
            minutes=F("minutes") + record.minutes,
            people_served=F("people_served") + record.people_served,
        )


@transaction.atomic
def rebuild() -> int:
    """Recompute every total from the confirmed records (after bulk loads)."""
    ServiceTotal.objects.all().delete()
    confirmed = ServiceRecord.objects.filter(state=ServiceRecordState.CONFIRMED).annotate(
        m=TruncMonth("date")
    )
    rows = []
    for owner in ("community", "department"):
        grouped = (
            confirmed.exclude(**{f"{owner}__isnull": True})
            .values(owner, "m")
            .annotate(n=Count("pk"), minutes=Sum("minutes"), people=Sum("people_served"))
            .order_by()
        )
        rows += [
            ServiceTotal(
                **{f"{owner}_id": row[owner]},
                month=row["m"],
                records=row["n"],
                minutes=row["minutes"],
                people_served=row["people"],
            )
            for row in grouped
        ]
    ServiceTotal.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
