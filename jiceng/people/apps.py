from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "jiceng.people"
    label = "people"
    verbose_name = "人员"

    def ready(self) -> None:
        from jiceng.core.audit import register_audited

        from .models import Person

        # Ciphertext and hashes change on every save and say nothing to a
        # reader; the masked copies are logged instead.
        register_audited(
            Person,
            exclude_fields=["id_number_cipher", "id_number_hash", "phone_cipher", "phone_hash"],
            m2m_fields={"tags"},
        )
