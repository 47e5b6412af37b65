"""Keep roll-ups right when an assignment disappears (docs/worklists.md)."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Assignment


@receiver(post_delete, sender=Assignment)
def recompute_parent_after_delete(sender, instance: Assignment, **kwargs) -> None:
    from .services import recompute_rollup

    if instance.parent_id:
        parent = Assignment.objects.filter(pk=instance.parent_id).first()
        recompute_rollup(parent)
