"""Pages of the joint meetings (联席会议): the standing bodies of a city or
street, their meetings, and a resolution turned into a task in one step
(`services.resolve`). Every query goes through the scoping rule; member units
and departments are shown only as far as the viewer's scope reaches."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiceng.core.exports import Column
from jiceng.core.views import ScopedCreateView, ScopedDetailView, ScopedListView, ScopedUpdateView
from jiceng.orgs.models import Department, Unit

from . import services
from .filters import JointMeetingBodyFilter
from .forms import JointMeetingBodyForm, MeetingForm, ResolutionForm
from .models import Assignment, JointMeetingBody, Meeting, Resolution


def _names(objects) -> str:
    return "、".join(str(obj) for obj in objects)


BODY_COLUMNS = [
    Column(_l("名称"), lambda b: b.name, link=True),
    Column(_l("所属单位"), lambda b: b.unit.name),
    Column(_l("召集人"), lambda b: b.convener),
    Column(_l("成员单位"), lambda b: _names(b.member_units.all()), wide_only=True),
    Column(_l("成员部门"), lambda b: _names(b.member_departments.all()), wide_only=True),
    Column(_l("会议次数"), lambda b: b.meeting_count),
    Column(_l("最近会议"), lambda b: b.last_meeting),
]


def visible_members(user) -> list[Prefetch]:
    """A body's members as far as the user's scope reaches: a street reading the
    city's joint meeting sees its own street, not its siblings."""
    return [
        Prefetch("member_units", queryset=Unit.objects.visible_to(user).only("name", "path")),
        Prefetch("member_departments", queryset=Department.objects.visible_to(user).only("name")),
    ]


def with_members(bodies, user):
    """Bodies with their unit, convener and the members the user may see."""
    return (
        bodies.select_related("unit", "convener")
        .defer("unit__boundary")
        .prefetch_related(*visible_members(user))
    )


class BodyListView(ScopedListView):
    model = JointMeetingBody
    filterset_class = JointMeetingBodyFilter
    columns = BODY_COLUMNS
    export_basename = "联席会议"
    create_url_name = "worklists:body-create"

    def get_queryset(self):
        return (
            with_members(super().get_queryset(), self.request.user)
            .annotate(meeting_count=Count("meetings"), last_meeting=Max("meetings__date"))
            .order_by("unit__path", "name", "pk")
        )


class BodyDetailView(ScopedDetailView):
    """Convener, members and the meetings, newest first."""

    model = JointMeetingBody

    def get_queryset(self):
        return with_members(super().get_queryset(), self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        body, user = self.object, self.request.user
        shown = len(body.member_units.all()) + len(body.member_departments.all())
        total = sum(
            through.objects.filter(jointmeetingbody=body).count()
            for through in (
                JointMeetingBody.member_units.through,
                JointMeetingBody.member_departments.through,
            )
        )
        context.update(
            meetings=body.meetings.annotate(resolution_count=Count("resolutions")).order_by(
                "-date", "-pk"
            ),
            hidden_members=total - shown,
            can_record=services.acts_for(user, "meeting.add", body.unit),
        )
        return context


class BodyCreateView(ScopedCreateView):
    model = JointMeetingBody
    form_class = JointMeetingBodyForm


class BodyUpdateView(ScopedUpdateView):
    model = JointMeetingBody
    form_class = JointMeetingBodyForm


def _default_attendees(user, body: JointMeetingBody) -> str:
    """The members the recorder may see, to be edited down to who came."""
    people = [body.convener] if body.convener_id else []
    members = [
        *Unit.objects.visible_to(user).filter(pk__in=body.member_units.values("pk")).only("name"),
        *Department.objects.visible_to(user)
        .filter(pk__in=body.member_departments.values("pk"))
        .only("name"),
    ]
    return _names([*people, *members])


@login_required
def record_meeting(request, pk: int):
    body = get_object_or_404(
        JointMeetingBody.objects.visible_to(request.user).select_related("unit", "convener"),
        pk=pk,
    )
    if not services.acts_for(request.user, "meeting.add", body.unit):
        raise PermissionDenied(_("您没有为该联席会议记录会议的权限。"))
    form = MeetingForm(
        request.POST if request.method == "POST" else None,
        instance=Meeting(body=body),
        user=request.user,
        attendees=_default_attendees(request.user, body),
    )
    if form.is_valid():
        meeting = form.save()
        messages.success(request, _("已保存：%(obj)s") % {"obj": meeting})
        return redirect(meeting)
    return render(request, "worklists/meeting_form.html", {"form": form, "body": body})


class MeetingDetailView(ScopedDetailView):
    """Date, attendees, minutes, and the resolutions with the tasks they became."""

    model = Meeting

    def get_queryset(self):
        return super().get_queryset().select_related("body__unit")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting, user = self.object, self.request.user
        context.update(
            resolutions=_resolutions(user, meeting),
            can_resolve=services.acts_for(user, "resolution.add", meeting.body.unit),
        )
        return context


def _resolutions(user, meeting: Meeting) -> list[tuple[Resolution, list[Assignment]]]:
    """Each visible resolution with the visible assignments of its task."""
    resolutions = (
        Resolution.objects.visible_to(user)
        .filter(meeting=meeting)
        .select_related("task")
        .order_by("pk")
    )
    by_task: dict[int, list[Assignment]] = defaultdict(list)
    assignments = (
        Assignment.objects.visible_to(user)
        .filter(task__resolution__meeting=meeting)
        .select_related("unit")
        .defer("unit__boundary")
        .order_by("unit__path")
    )
    for assignment in assignments:
        by_task[assignment.task_id].append(assignment)
    return [(r, by_task.get(r.task_id, [])) for r in resolutions]


class MeetingUpdateView(ScopedUpdateView):
    model = Meeting
    form_class = MeetingForm
    template_name = "worklists/meeting_form.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "body": self.object.body}


@login_required
def resolve_meeting(request, pk: int):
    """转为任务: one form, one call of the service; refusals keep the form."""
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("body__unit"), pk=pk
    )
    if not services.acts_for(request.user, "resolution.add", meeting.body.unit):
        raise PermissionDenied(_("您没有为该联席会议形成决议的权限。"))
    data = request.POST if request.method == "POST" else None
    form = ResolutionForm(data, meeting=meeting, user=request.user)
    if form.is_valid():
        try:
            resolution = services.resolve(request.user, meeting, **form.cleaned_data)
        except services.WorkflowError as exc:
            form.add_error(None, exc.message)
        else:
            count = resolution.task.assignments.count()
            messages.success(request, _("决议已转为任务，交办给 %(n)d 个单位。") % {"n": count})
            return redirect(meeting)
    return render(request, "worklists/resolution_form.html", {"form": form, "meeting": meeting})


urlpatterns = [
    path("joint-meetings/", BodyListView.as_view(), name="body-list"),
    path("joint-meetings/new/", BodyCreateView.as_view(), name="body-create"),
    path("joint-meetings/<int:pk>/", BodyDetailView.as_view(), name="body-detail"),
    path("joint-meetings/<int:pk>/edit/", BodyUpdateView.as_view(), name="body-edit"),
    path("joint-meetings/<int:pk>/meetings/new/", record_meeting, name="meeting-create"),
    path("meetings/<int:pk>/", MeetingDetailView.as_view(), name="meeting-detail"),
    path("meetings/<int:pk>/edit/", MeetingUpdateView.as_view(), name="meeting-edit"),
    path("meetings/<int:pk>/resolve/", resolve_meeting, name="meeting-resolve"),
]
