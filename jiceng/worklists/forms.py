"""Forms of the work-list pages; the API writes through the same services."""

from django import forms
from django.utils.translation import gettext_lazy as _l

from jiceng.core.forms import OUT_OF_SCOPE, ScopedModelForm, StyledFormMixin
from jiceng.orgs.models import Unit

from .models import CardLevel, Plan, Task


class PlanForm(ScopedModelForm):
    unit_fields = {"unit": "plan.add"}

    class Meta:
        model = Plan
        fields = ["unit", "year", "title", "description"]


class TaskForm(ScopedModelForm):
    """A top-level task of a plan, with its assignee units chosen in bulk."""

    unit_fields = {"unit": "task.add"}
    targets = forms.ChoiceField(
        label=_l("交办给"),
        choices=[("children", _l("全部下级单位")), ("chosen", _l("选定的单位"))],
        initial="children",
    )
    chosen_units = forms.ModelMultipleChoiceField(
        label=_l("选定的单位"), queryset=Unit.objects.none(), required=False
    )

    class Meta:
        model = Task
        fields = [
            "plan",
            "group",
            "title",
            "description",
            "category",
            "unit",
            "start_date",
            "due_date",
            "priority",
            "evidence_required",
            "weight",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = Plan.objects.visible_to(self.user, "change")
        self.fields["plan"].error_messages["invalid_choice"] = OUT_OF_SCOPE
        self.fields["group"].queryset = self.fields["group"].queryset.filter(
            plan__in=self.fields["plan"].queryset
        )
        self.fields["chosen_units"].queryset = Unit.objects.visible_to(self.user).filter(
            kind__in=["street", "community"]
        )
        self.fields["chosen_units"].error_messages["invalid_choice"] = OUT_OF_SCOPE

    def assignee_units(self):
        unit = self.cleaned_data["unit"]
        if self.cleaned_data["targets"] == "children":
            return list(unit.children.all())
        return list(self.cleaned_data["chosen_units"])


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ReportForm(StyledFormMixin, forms.Form):
    text = forms.CharField(label=_l("进展情况"), widget=forms.Textarea(attrs={"rows": 3}))
    percent = forms.IntegerField(
        label=_l("完成进度（%）"), min_value=0, max_value=100, required=False
    )
    files = forms.FileField(
        label=_l("附件（照片、文档）"),
        required=False,
        widget=MultipleFileInput,
    )


class DecomposeForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_l("子任务名称"), max_length=200)
    description = forms.CharField(
        label=_l("工作要求"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_date = forms.DateField(label=_l("完成时限"), widget=forms.DateInput(attrs={"type": "date"}))
    evidence_required = forms.CharField(label=_l("销号所需佐证"), max_length=200, required=False)
    weight = forms.IntegerField(label=_l("权重"), min_value=1, max_value=100, initial=1)
    units = forms.ModelMultipleChoiceField(
        label=_l("承办单位"), queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, parent, **kwargs):
        super().__init__(*args, **kwargs)
        # The assignee's children, or the assignee itself for a milestone.
        self.fields["units"].queryset = Unit.objects.filter(
            pk__in=[parent.unit_id, *parent.unit.children.values_list("pk", flat=True)]
        ).order_by("depth", "sort_order", "code")
        self.fields["units"].error_messages["invalid_choice"] = OUT_OF_SCOPE
        self.fields["units"].widget.attrs.pop("class", None)
        self.fields["due_date"].initial = parent.due_date
        self.fields["title"].initial = parent.task.title
        self.fields["evidence_required"].initial = parent.task.evidence_required


class EscalationForm(StyledFormMixin, forms.Form):
    level = forms.ChoiceField(label=_l("级别"), choices=CardLevel.choices)
    reason = forms.CharField(label=_l("督办事由"), widget=forms.Textarea(attrs={"rows": 2}))


class FindingForm(StyledFormMixin, forms.Form):
    text = forms.CharField(label=_l("发现问题"), widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(
        label=_l("整改时限（填写即生成整改任务）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
