"""Joint meeting pages (issue 4) on the demo city: the body list, a body's page,
a meeting's page and the two forms, for the city admin and the street admin,
each beside the bare scoped query of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiceng_bench \
        .venv/bin/python bench/meetings.py [--scale 10]
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402


def bare_bodies(user):
    from jiceng.worklists.models import JointMeetingBody

    def run():
        list(JointMeetingBody.objects.visible_to(user).values_list("pk", "name", "unit__name"))

    return run


def bare_body(user, body):
    from jiceng.worklists.models import JointMeetingBody, Meeting

    def run():
        JointMeetingBody.objects.visible_to(user).get(pk=body.pk)
        list(Meeting.objects.filter(body=body).values_list("pk", "date", "minutes"))

    return run


def bare_meeting(user, meeting):
    from jiceng.worklists.models import Assignment, Meeting, Resolution

    def run():
        Meeting.objects.visible_to(user).get(pk=meeting.pk)
        list(Resolution.objects.visible_to(user).filter(meeting=meeting).values_list("pk", "text"))
        list(
            Assignment.objects.visible_to(user)
            .filter(task__resolution__meeting=meeting)
            .values_list("pk", "unit__name", "state")
        )

    return run


def bare_candidates(user):
    from jiceng.worklists.forms import convener_candidates

    def run():
        list(convener_candidates(user).values_list("pk", "name"))

    return run


def measured(fn):
    """(samples, CPU seconds of this process over the samples and warm-up)."""
    started = time.process_time()
    samples = harness.timings(fn)
    return samples, time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=10)
    harness.setup(scale=parser.parse_args().scale)
    from jiceng.accounts.models import User
    from jiceng.worklists.models import JointMeetingBody

    if not JointMeetingBody.objects.exists():
        sys.exit(
            "this database was filled before the demo had joint meetings: "
            "drop and recreate it, then run again (it is filled anew)"
        )
    load_before = os.getloadavg()
    rows, cpu = [], []
    for username in ("city_admin", "street_admin"):
        user = User.objects.get(username=username)
        client = harness.client_for(username)
        body = JointMeetingBody.objects.get(unit=user.assignments[0].unit)  # its own
        meeting = body.meetings.order_by("-date").first()
        pages = [
            ("body list", "/work/joint-meetings/", bare_bodies(user)),
            ("body page", body.get_absolute_url(), bare_body(user, body)),
            ("meeting page", meeting.get_absolute_url(), bare_meeting(user, meeting)),
            ("new body form", "/work/joint-meetings/new/", bare_candidates(user)),
            ("转为任务 form", f"/work/meetings/{meeting.pk}/resolve/", bare_meeting(user, meeting)),
        ]
        for name, url, bare in pages:
            samples, seconds = measured(harness.get(client, url))
            baseline, _seconds = measured(bare)
            rows.append((f"{name}, {username}", samples, baseline, 100))
            cpu.append(f"{name}, {username}: {seconds * 1000 / 65:.1f} ms CPU per request")
    print(harness.report(rows))
    print("\n" + "\n".join(cpu))
    print(f"\nload average before {load_before}, after {os.getloadavg()}")


if __name__ == "__main__":
    main()
