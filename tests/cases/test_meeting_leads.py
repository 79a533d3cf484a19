"""Store: a presenter leads a meeting and the screens following them read the case they show (SQLite and
PostgreSQL): moves, stops, a lead left by a closed tab, two tabs of one presenter racing, and roles."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from medapp.cases.meeting import LEAD_LAPSES_AFTER
from medapp.db.tables import MeetingLead
from medapp.security.roles import PermissionDenied

CHAIR = {"username": "chair", "role": "reviewer"}
CLIN = {"username": "carla", "role": "clinician"}


def test_a_lead_moves_with_the_presenter_and_ends_when_they_stop(store):
    a, b = store.create_case("MDT-1", CLIN), store.create_case("MDT-2", CLIN)
    assert store.meeting_leads() == [] and store.meeting_lead("chair") is None
    store.lead_meeting(CHAIR, a, 1, 2)
    first = store.meeting_lead("chair")
    assert (first.case_id, first.position, first.count) == (a, 1, 2)
    store.lead_meeting(CHAIR, b, 2, 2)
    moved = store.meeting_lead("chair")
    assert (moved.case_id, moved.position, moved.since) == (b, 2, first.since)  # the same lead, moved on
    assert moved.moved_at >= first.moved_at
    assert [lead.presenter for lead in store.meeting_leads()] == ["chair"]
    store.stop_leading(CHAIR)
    assert store.meeting_lead("chair") is None and store.meeting_leads() == []
    # the trail says who led and when they stopped, once each (a move is not an event)
    assert [(e["action"], e["target"]) for e in reversed(store.audit_events(username="chair"))] == [
        ("meeting.lead", f"case:{a}"), ("meeting.stop_lead", f"case:{b}")]


def test_two_presenters_lead_side_by_side_longest_leading_first(store):
    a, b = store.create_case("MDT-1", CLIN), store.create_case("MDT-2", CLIN)
    store.lead_meeting(CHAIR, a, 1, 1)
    store.lead_meeting(CLIN, b, 3, 7)
    assert [(lead.presenter, lead.case_id, lead.count) for lead in store.meeting_leads()] == [
        ("chair", a, 1), ("carla", b, 7)]


def test_a_lead_left_by_a_closed_tab_lapses_and_starts_anew_when_led_again(store):
    """A presenter who closed the tab without stopping left followers on a dead lead that looked live (a review):
    the open page says it still leads every few seconds; a lead not heard from for minutes has lapsed."""
    a = store.create_case("MDT-1", CLIN)
    store.lead_meeting(CHAIR, a, 1, 1)
    assert store.keep_leading(CHAIR)  # the open page's heartbeat
    old = datetime.now(UTC) - LEAD_LAPSES_AFTER - timedelta(seconds=5)
    with store.Session.begin() as s:
        s.execute(update(MeetingLead).values(since=old, moved_at=old, seen_at=old))
    assert store.meeting_leads() == [] and store.meeting_lead("chair") is None
    assert not store.keep_leading(CHAIR)  # lapsed: the page leads anew on its next run
    store.lead_meeting(CHAIR, a, 1, 1)  # the same case as last time: still a new lead, not the old one revived
    lead = store.meeting_lead("chair")
    assert lead is not None and lead.since > old + timedelta(minutes=2) and store.keep_leading(CHAIR)
    assert [e["action"] for e in store.audit_events(username="chair")] == ["meeting.lead", "meeting.lead"]


def test_one_presenter_in_two_tabs_moving_at_once_keeps_one_lead(store):
    ids = [store.create_case(f"MDT-{i}", CLIN) for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: store.lead_meeting(CHAIR, ids[i], i + 1, 8), range(8)))
    [lead] = store.meeting_leads()
    assert lead.presenter == "chair" and lead.case_id in ids and lead.position == ids.index(lead.case_id) + 1
    assert len(store.audit_events(action="meeting.lead")) == 1


def test_only_a_signed_in_role_may_lead(store):
    a = store.create_case("MDT-1", CLIN)
    with pytest.raises(PermissionDenied):
        store.lead_meeting({"username": "visitor", "role": "guest"}, a, 1, 1)
    assert store.meeting_leads() == []


def test_a_lead_kept_alive_without_moving_stays_offered(store):
    """A presenter discussing one case for a long while does not move; their page's heartbeat keeps the lead."""
    a = store.create_case("MDT-1", CLIN)
    store.lead_meeting(CHAIR, a, 1, 1)
    old = datetime.now(UTC) - LEAD_LAPSES_AFTER - timedelta(seconds=5)
    with store.Session.begin() as s:
        s.execute(update(MeetingLead).values(moved_at=old))  # moved long ago, heard from just now
    assert store.keep_leading(CHAIR) and store.meeting_lead("chair").case_id == a
    assert not store.keep_leading(CLIN)  # not leading at all
