from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiceng.core.forms import OUT_OF_SCOPE, ScopedModelForm
from jiceng.orgs.models import Department, UnitKind

from . import identity
from .models import Person


class PersonForm(ScopedModelForm):
    id_number = forms.CharField(
        label=_l("公民身份号码"),
        max_length=24,
        required=False,
        help_text=_l("18 位，末位可以是 X；出生日期和性别由号码自动得出。"),
    )
    phone = forms.CharField(label=_l("手机号码"), max_length=20, required=False)

    unit_fields = {"home_unit": "person.add", "party_unit": "person.add"}

    class Meta:
        model = Person
        fields = [
            "name",
            "id_number",
            "ethnicity",
            "phone",
            "political_status",
            "party_unit",
            "party_department",
            "party_join_date",
            "home_unit",
            "workplace",
            "tags",
        ]
        widgets = {
            "party_join_date": forms.DateInput(attrs={"type": "date"}),
            "tags": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Masked placeholder: the full value is only shown through an audited reveal.
            self.fields["id_number"].widget.attrs["placeholder"] = self.instance.id_number_masked
            self.fields["phone"].widget.attrs["placeholder"] = self.instance.phone_masked
            self.fields["id_number"].help_text = _("留空表示不修改。")
            self.fields["phone"].help_text = _("留空表示不修改。")
        home = self.fields["home_unit"]
        home.queryset = home.queryset.filter(kind__in=[UnitKind.COMMUNITY, UnitKind.GRID])
        departments = Department.objects.visible_to(self.user)
        for name in ("party_department", "workplace"):
            self.fields[name].queryset = departments
            self.fields[name].error_messages["invalid_choice"] = OUT_OF_SCOPE
        self.fields["tags"].widget.attrs.pop("class", None)

    def clean_id_number(self):
        value = self.cleaned_data["id_number"]
        if not value:
            if not self.instance.pk:
                raise ValidationError(_("请填写公民身份号码。"))
            return None
        number = identity.validate_id_number(value)
        clash = Person.objects.by_id_number(number).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("该公民身份号码已登记，不能重复录入。"))
        return number

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        return identity.validate_phone(value) if value else None

    def _post_clean(self):
        # Set personal data before model validation so derived fields are checked too.
        if self.cleaned_data.get("id_number"):
            # Also derives birth date and gender: they are never typed.
            self.instance.id_number = self.cleaned_data["id_number"]
        if self.cleaned_data.get("phone"):
            self.instance.phone = self.cleaned_data["phone"]
        super()._post_clean()
