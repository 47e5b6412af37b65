"""Forms of the reporting pages; the API writes through the same ones."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiceng.core.forms import OUT_OF_SCOPE, ScopedModelForm, StyledFormMixin
from jiceng.orgs.models import DepartmentPairing, Unit, UnitKind
from jiceng.people.models import Person

from . import services
from .models import (
    DepartmentReport,
    GridResponsibility,
    MemberEvaluation,
    MemberReport,
    PointRule,
    ServiceKind,
    ServiceNeed,
    ServiceRecord,
)
from .periods import PERIOD_RE, half_of

PHOTO_TYPES = (".jpg", ".jpeg", ".png", ".webp", ".heic")
MAX_PHOTOS = 6


class RegistrationForm(StyledFormMixin, forms.ModelForm):
    """What a member fills in on their phone (the community comes from the link)."""

    service_kinds = forms.MultipleChoiceField(
        label=_l("意向服务类型"),
        choices=ServiceKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = MemberReport
        fields = [
            "estate",
            "building",
            "entrance",
            "room",
            "skills",
            "service_kinds",
            "available_times",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_kinds"].widget.attrs.pop("class", None)
        self.fields["estate"].required = True

    def registration(self) -> services.Registration:
        data = self.cleaned_data
        return services.Registration(**{f: data.get(f) or "" for f in self.Meta.fields})


class BulkRegistrationForm(StyledFormMixin, forms.Form):
    """A department admin registers members of their department at their home communities."""

    members = forms.ModelMultipleChoiceField(
        label=_l("本部门未报到党员"),
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": OUT_OF_SCOPE, "invalid_pk_value": OUT_OF_SCOPE},
    )

    def __init__(self, *args, user, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["members"].queryset = candidates
        self.fields["members"].widget.attrs.pop("class", None)


class DecisionForm(StyledFormMixin, forms.Form):
    grid = forms.ModelChoiceField(
        label=_l("分配网格"), queryset=Unit.objects.none(), required=False
    )
    note = forms.CharField(label=_l("备注或原因"), max_length=200, required=False)

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        if community is not None:
            self.fields["grid"].queryset = community.children.filter(kind=UnitKind.GRID)
            self.fields["grid"].error_messages["invalid_choice"] = OUT_OF_SCOPE
        else:
            del self.fields["grid"]


class DepartmentReportForm(ScopedModelForm):
    class Meta:
        model = DepartmentReport
        fields = ["pairing", "year", "resources", "projects"]
        widgets = {
            "resources": forms.Textarea(attrs={"rows": 3}),
            "projects": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pairing = self.fields["pairing"]
        pairing.queryset = DepartmentPairing.objects.visible_to(self.user).select_related(
            "department", "community"
        )
        pairing.error_messages["invalid_choice"] = OUT_OF_SCOPE
        self.fields["year"].initial = timezone.localdate().year

    def clean(self):
        cleaned = super().clean()
        pairing, year = cleaned.get("pairing"), cleaned.get("year")
        if pairing and year:
            clash = DepartmentReport.objects.filter(pairing=pairing, year=year)
            if clash.exclude(pk=self.instance.pk).exists():
                raise ValidationError(_("该结对关系本年度已有共建协议。"))
        return cleaned


class GridResponsibilityForm(ScopedModelForm):
    class Meta:
        model = GridResponsibility
        fields = ["grid_head", "grid_worker", "branch_secretary"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        residents = Person.objects.visible_to(self.user).order_by("name")
        for name in self.Meta.fields:
            self.fields[name].queryset = residents
            self.fields[name].error_messages["invalid_choice"] = OUT_OF_SCOPE

    def clean_branch_secretary(self):
        person = self.cleaned_data.get("branch_secretary")
        if person and not person.is_party_member:
            raise ValidationError(_("网格党支部（党小组）书记必须是党员。"))
        return person


class ServiceNeedForm(ScopedModelForm):
    unit_fields = {"community": "serviceneed.add"}

    class Meta:
        model = ServiceNeed
        fields = [
            "community",
            "title",
            "category",
            "kind",
            "quantity",
            "date",
            "time",
            "place",
            "description",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        community = self.fields["community"]
        community.queryset = community.queryset.filter(kind=UnitKind.COMMUNITY)

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if quantity < 1:
            raise ValidationError(_("需要人数至少为 1。"))
        if self.instance.pk and quantity < self.instance.claimed_count:
            raise ValidationError(_("不能少于已认领的数量。"))
        return quantity


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS})
        for upload in files:
            if not upload.name.lower().endswith(PHOTO_TYPES):
                raise ValidationError(_("只能上传 JPG、PNG、WEBP 或 HEIC 照片。"))
        return files


class ServiceRecordForm(StyledFormMixin, forms.ModelForm):
    """A member logs service: self-started, or fulfilling a need they claimed."""

    photos = PhotosField(label=_l("照片"), required=False)

    class Meta:
        model = ServiceRecord
        fields = ["need", "kind", "date", "minutes", "people_served", "description"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, user, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.person = user, person
        need = self.fields["need"]
        need.queryset = ServiceNeed.objects.filter(claims__person=person).distinct()
        need.error_messages["invalid_choice"] = OUT_OF_SCOPE
        self.fields["minutes"].widget.attrs.update({"min": 1, "max": 1440, "step": 10})

    def clean(self):
        cleaned = super().clean()
        report = services.active_report_of(self.person)
        if report is None:
            raise ValidationError(_("您尚未在社区报到或报到尚未确认，暂不能登记服务。"))
        day, minutes = cleaned.get("date"), cleaned.get("minutes")
        if day is not None and minutes is not None:
            try:
                services.check_service(self.person, day, minutes, self.instance.pk)
            except services.ReportingError as exc:
                self.add_error(exc.field, str(exc))
        need = cleaned.get("need")
        self.instance.person = self.person
        self.instance.community = need.community if need else report.community
        self.instance.department_id = self.person.party_department_id
        return cleaned

    def save(self, commit=True):
        record = super().save(commit=commit)
        if commit:
            for upload in self.cleaned_data.get("photos") or []:
                record.photos.create(file=upload)
            services.record_change(self.user, record, "submit", "", record.state)
        return record


class PointRuleForm(ScopedModelForm):
    unit_fields = {"unit": "pointrule.add"}

    class Meta:
        model = PointRule
        fields = ["unit", "kind", "points_per_hour", "max_per_record", "max_per_month"]

    def clean_points_per_hour(self):
        value = self.cleaned_data["points_per_hour"]
        if value <= 0:
            raise ValidationError(_("每小时积分必须大于 0。"))
        return value


class MemberEvaluationForm(ScopedModelForm):
    class Meta:
        model = MemberEvaluation
        fields = ["report", "half", "grade", "comment"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        report = self.fields["report"]
        report.queryset = (
            MemberReport.objects.visible_to(self.user, "confirm")
            .filter(state__in=["confirmed", "expired"])
            .select_related("person", "community")
        )
        report.error_messages["invalid_choice"] = OUT_OF_SCOPE
        self.fields["half"].initial = half_of(timezone.localdate())

    def clean_half(self):
        half = self.cleaned_data["half"].strip().upper()
        if not PERIOD_RE.match(half) or "H" not in half:
            raise ValidationError(_("半年度格式应为 2024H1 或 2024H2。"))
        return half

    def clean(self):
        cleaned = super().clean()
        report, half = cleaned.get("report"), cleaned.get("half")
        if report and half:
            clash = MemberEvaluation.objects.filter(report=report, half=half)
            if clash.exclude(pk=self.instance.pk).exists():
                raise ValidationError(_("该党员本半年度已有评价。"))
        return cleaned

    def save(self, commit=True):
        self.instance.evaluated_by = self.user
        return super().save(commit)
