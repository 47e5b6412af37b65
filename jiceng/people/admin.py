from django.contrib import admin

from .models import CareTag, Person


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    # Personal data appears masked only; it is edited through the validating person form.
    list_display = ["name", "id_number_masked", "phone_masked", "political_status", "home_unit"]
    list_filter = ["political_status"]
    search_fields = ["name"]
    raw_id_fields = ["home_unit", "party_unit", "party_department", "workplace"]
    readonly_fields = ["id_number_masked", "phone_masked"]


@admin.register(CareTag)
class CareTagAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order"]
