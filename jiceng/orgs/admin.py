from django.contrib import admin

from .models import Department, DepartmentPairing, LeaderLink, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "party_org_name"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    raw_id_fields = ["parent", "secretary"]
    readonly_fields = ["path", "depth"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "unit"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["unit", "secretary"]


@admin.register(DepartmentPairing)
class DepartmentPairingAdmin(admin.ModelAdmin):
    list_display = ["department", "community", "kind", "start_date", "end_date"]
    list_filter = ["kind"]
    raw_id_fields = ["department", "community", "leader"]


@admin.register(LeaderLink)
class LeaderLinkAdmin(admin.ModelAdmin):
    list_display = ["leader", "unit", "kind", "title", "start_date", "end_date"]
    list_filter = ["kind"]
    raw_id_fields = ["leader", "unit"]
