"""Meeting mode: a presenter leads and another screen follows them. Every screen moved on its own, so a reviewer at
a workstation had to find the case the projector showed (a clinician's review). The follower shows the presenter's
case, counted as the presenter counts it, even when its own filters would hide it; its Next and Previous are the
presenter's; when the presenter stops, the screen says so and moves on its own again from where it was."""
from __future__ import annotations

from apptest_helpers import CLIN, REPO, REV, heart_disease_cases, open_page
from streamlit.testing.v1 import AppTest

from medapp.cases.store import CaseStore

OLGA = {"username": "olga", "role": "reviewer"}


def _title(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("## Case "))


def test_a_screen_follows_the_presenter_through_next_and_back_to_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    (a, _), (b, _), _ = heart_disease_cases(store, ("LEAD-1", "LEAD-2", "LEAD-3"))
    store.set_status(b, REV, "closed")

    chair = open_page("pages/meeting.py", REV)
    assert not chair.exception and _title(chair).startswith("## Case 1 of 3 · LEAD-1")
    assert chair.selectbox(key="meeting_screen").options == ["Moves on its own", "Leads: others can follow"]
    chair.selectbox(key="meeting_screen").set_value("lead").run()
    assert not chair.exception and "leading" in _title(chair)
    assert (store.meeting_lead("rui").case_id, store.meeting_lead("rui").count) == (a, 3)

    desk = open_page("pages/meeting.py", CLIN)
    desk.selectbox(key="meeting_status").set_value("open").run()  # the desk's own list: LEAD-1 and LEAD-3
    assert _title(desk).startswith("## Case 1 of 2 · LEAD-1")
    assert "Follows rui" in desk.selectbox(key="meeting_screen").options
    desk.selectbox(key="meeting_screen").set_value("follow:rui").run()
    assert not desk.exception and _title(desk).startswith("## Case 1 of 3 · LEAD-1")
    assert "following rui" in _title(desk)
    assert desk.button(key="meeting_next").disabled and desk.button(key="meeting_prev").disabled

    chair.button(key="meeting_next").click().run()  # to LEAD-2, which the desk's filter (open) would hide
    assert _title(chair).startswith("## Case 2 of 3 · LEAD-2")
    desk.run()  # what the follow timer does within two seconds
    assert not desk.exception and _title(desk).startswith("## Case 2 of 3 · LEAD-2")

    chair.button(key="meeting_next").click().run()
    desk.run()
    assert _title(desk).startswith("## Case 3 of 3 · LEAD-3")

    chair.selectbox(key="meeting_screen").set_value("own").run()  # stops leading
    assert store.meeting_lead("rui") is None
    desk.run()
    assert not desk.exception
    assert any("rui stopped leading" in t.value for t in desk.toast)
    assert any("rui stopped leading" in i.value for i in desk.info)  # and above the case, until the desk acts
    assert desk.selectbox(key="meeting_screen").value == "own"
    # on its own again from the case it showed, counted on its own list (open: LEAD-1, LEAD-3)
    assert _title(desk).startswith("## Case 2 of 2 · LEAD-3") and not desk.button(key="meeting_prev").disabled



def _sign_out_script():
    from medapp.ui.auth import sign_out

    sign_out()


def test_signing_out_ends_the_lead(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    heart_disease_cases(store, ("LEAD-OUT",))
    chair = open_page("pages/meeting.py", REV)
    chair.selectbox(key="meeting_screen").set_value("lead").run()
    assert store.meeting_lead("rui") is not None
    out = AppTest.from_function(_sign_out_script)
    out.session_state["medapp_user"] = REV  # the chair's session, as the sidebar's Sign out runs it
    out.run()
    assert not out.exception
    assert store.meeting_lead("rui") is None  # a desk following them is told, not left on the case


def test_a_following_screen_with_an_unrecorded_verdict_stays_until_it_is_recorded(tmp_path, monkeypatch):
    """The presenter pressed Next while a reviewer following them had chosen a verdict and not recorded it: the screen
    moved away from the unfinished verdict (kept, but out of sight). It now stays, says why, and follows once the
    verdict is recorded."""
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    (first_case, first), _ = heart_disease_cases(store, ("HOLD-1", "HOLD-2"))
    chair = open_page("pages/meeting.py", REV)
    chair.selectbox(key="meeting_screen").set_value("lead").run()
    desk = open_page("pages/meeting.py", OLGA)
    desk.selectbox(key="meeting_screen").set_value("follow:rui").run()
    assert _title(desk).startswith("## Case 1 of 2 · HOLD-1")
    desk.radio(key=f"v_m{first}").set_value("agree").run()  # chosen, not recorded

    chair.button(key="meeting_next").click().run()
    desk.run()
    assert not desk.exception and _title(desk).startswith("## Case 1 of 2 · HOLD-1")
    assert any("rui has moved on to case 2 of 2" in i.value for i in desk.info)
    assert any("until you record what you chose or typed here, or press Follow now" in t.value
               for t in desk.toast)  # said where they look
    assert desk.radio(key=f"v_m{first}").value == "agree"
    next(b for b in desk.button if b.label == "Record verdict").click().run()
    desk.run()  # the timer's next look: recorded, so it follows
    assert not desk.exception and _title(desk).startswith("## Case 2 of 2 · HOLD-2")
    assert [v["verdict"] for v in store.case_detail(first_case, REV, log_view=False)
            ["analyses"][0]["verdicts"]] == ["agree"]


def test_a_reload_keeps_leading_and_following(tmp_path, monkeypatch):
    """A reload (a new session) put a following desk back on its own without a word, and the presenter too (a
    review): the presenter's live lead and the address's ?follow= bring both back."""
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    _, (second, _) = heart_disease_cases(store, ("RELOAD-1", "RELOAD-2"))
    chair = open_page("pages/meeting.py", REV)
    chair.selectbox(key="meeting_screen").set_value("lead").run()
    chair.button(key="meeting_next").click().run()
    desk = open_page("pages/meeting.py", OLGA)
    desk.selectbox(key="meeting_screen").set_value("follow:rui").run()
    assert desk.query_params["follow"] == "rui"

    chair_again = AppTest.from_file(str(REPO / "pages/meeting.py"), default_timeout=180)  # the presenter's reload
    chair_again.session_state["medapp_user"] = REV
    chair_again.query_params["case"] = str(second)  # what the presenter's address held
    chair_again.run()
    assert chair_again.selectbox(key="meeting_screen").value == "lead" and "leading" in _title(chair_again)
    desk_again = AppTest.from_file(str(REPO / "pages/meeting.py"), default_timeout=180)
    desk_again.session_state["medapp_user"] = OLGA
    desk_again.query_params["follow"] = "rui"  # what the desk's address held
    desk_again.run()
    assert not desk_again.exception and desk_again.selectbox(key="meeting_screen").value == "follow:rui"
    assert _title(desk_again).startswith("## Case 2 of 2 · RELOAD-2") and "following rui" in _title(desk_again)


def _other_page_script(page_title):
    from medapp.ui.auth import get_store
    from medapp.ui.meeting_lead import lead_kept_on_other_pages

    lead_kept_on_other_pages(get_store(), {"username": "rui", "role": "reviewer"}, page_title)


def test_a_presenter_on_another_page_still_leads(tmp_path, monkeypatch):
    """A presenter looking something up on Cases for more than three minutes lost the lead (only Meeting mode said it
    still led): every page of theirs now does (app.py), and Meeting mode itself through its own heartbeat."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from medapp.db.tables import MeetingLead

    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    [(case_id, _)] = heart_disease_cases(store, ("AWAY-1",))
    store.lead_meeting(REV, case_id, 1, 1)
    two_minutes_ago = datetime.now(UTC) - timedelta(minutes=2)

    def seen_at():
        return store.meeting_lead("rui").seen_at

    for page, heard in (("Meeting mode", False), ("Cases", True)):  # Meeting mode's own page says it itself
        with store.Session.begin() as s:
            s.execute(update(MeetingLead).values(seen_at=two_minutes_ago))
        at = AppTest.from_function(_other_page_script, args=(page,))
        at.run()
        assert not at.exception
        assert (seen_at() > two_minutes_ago + timedelta(seconds=60)) is heard, page


def test_a_presenters_second_screen_takes_up_the_lead_and_neither_writes_the_other_back(tmp_path, monkeypatch):
    """A review meeting's test: the presenter's tab reopened began at case 1 and pulled every follower there; with a
    projector tab and a laptop tab, the projector's next run wrote case 1 back over the laptop's Next."""
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    (a, _), (b, _), (c, _) = heart_disease_cases(store, ("TWO-1", "TWO-2", "TWO-3"))
    projector = open_page("pages/meeting.py", REV)
    projector.selectbox(key="meeting_screen").set_value("lead").run()
    projector.button(key="meeting_next").click().run()
    assert _title(projector).startswith("## Case 2 of 3 · TWO-2") and store.meeting_lead("rui").case_id == b

    laptop = open_page("pages/meeting.py", REV)  # a new tab: leading again, where the lead is, not at case 1
    assert not laptop.exception and laptop.selectbox(key="meeting_screen").value == "lead"
    assert _title(laptop).startswith("## Case 2 of 3 · TWO-2") and store.meeting_lead("rui").case_id == b

    laptop.button(key="meeting_next").click().run()
    assert _title(laptop).startswith("## Case 3 of 3 · TWO-3") and store.meeting_lead("rui").case_id == c
    projector.run()  # its timer, or anything else that draws it again: it takes up the laptop's move
    assert not projector.exception and _title(projector).startswith("## Case 3 of 3 · TWO-3")
    assert store.meeting_lead("rui").case_id == c
    projector.button(key="meeting_prev").click().run()  # and either screen moves the lead on from there
    assert _title(projector).startswith("## Case 2 of 3 · TWO-2") and store.meeting_lead("rui").case_id == b
    laptop.run()
    assert _title(laptop).startswith("## Case 2 of 3 · TWO-2")


def test_a_held_screen_can_follow_now_keeping_its_choice_as_a_draft_and_a_moved_screen_says_so(tmp_path, monkeypatch):
    """A review meeting's test: a reviewer held by a choice not recorded could only record it or reload (a radio's
    choice cannot be undone); a reviewer scrolled down was moved to the next case with nothing said."""
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    (_, first), _, _ = heart_disease_cases(store, ("FREE-1", "FREE-2", "FREE-3"))
    chair = open_page("pages/meeting.py", REV)
    chair.selectbox(key="meeting_screen").set_value("lead").run()
    desk = open_page("pages/meeting.py", OLGA)
    desk.selectbox(key="meeting_screen").set_value("follow:rui").run()
    desk.radio(key=f"v_m{first}").set_value("disagree").run()  # chosen, not recorded
    chair.button(key="meeting_next").click().run()
    desk.run()
    assert _title(desk).startswith("## Case 1 of 3 · FREE-1")
    desk.button(key="meeting_follow_now").click().run()
    assert not desk.exception and _title(desk).startswith("## Case 2 of 3 · FREE-2")
    assert not any(t.value == "rui moved on: case 2 of 3." for t in desk.toast)  # the reviewer moved, not rui
    assert store.verdict_drafts(OLGA, [first])[first].values[0] == "disagree"  # kept, to come back with its case
    assert any(c.value.endswith(f"Your unrecorded verdict drafts on other cases: FREE-1 (record #{first}). Each comes "
                                "back in its form when its case is shown (on a closed case, once it is reopened).")
               for c in desk.caption)
    chair.button(key="meeting_next").click().run()  # nothing unfinished on case 2: it follows, and says so
    desk.run()
    assert _title(desk).startswith("## Case 3 of 3 · FREE-3")
    assert any(t.value == "rui moved on: case 3 of 3." for t in desk.toast)
    assert not any(b.key == "meeting_follow_now" for b in desk.button)


def test_a_presenters_screens_with_other_filters_and_a_stop_on_one_of_them(tmp_path, monkeypatch):
    """A re-check: the projector filtered to open cases pulled the laptop's move to a closed case back; stopping on the
    laptop told followers the lead had ended, and the projector started a new one a moment later."""
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    _, (b, _), (c, _) = heart_disease_cases(store, ("FIL-1", "FIL-2", "FIL-3"))
    store.set_status(b, REV, "closed")
    projector = open_page("pages/meeting.py", REV)
    projector.selectbox(key="meeting_status").set_value("open").run()  # FIL-1 and FIL-3
    projector.selectbox(key="meeting_screen").set_value("lead").run()
    laptop = open_page("pages/meeting.py", REV)
    assert _title(laptop).startswith("## Case 1 of 2 · FIL-1")  # the lead as the projector counted it
    laptop.button(key="meeting_next").click().run()  # to FIL-2, closed: outside the projector's filter
    assert store.meeting_lead("rui").case_id == b
    projector.run()
    assert not projector.exception and _title(projector).startswith("## Case 2 of 3 · FIL-2")  # as the laptop counts
    laptop.run()
    assert (store.meeting_lead("rui").case_id, store.meeting_lead("rui").count) == (b, 3)  # not written back
    projector.button(key="meeting_next").click().run()  # on from there, in its own list: FIL-3
    assert _title(projector).startswith("## Case 2 of 2 · FIL-3") and store.meeting_lead("rui").case_id == c

    laptop.run()
    laptop.selectbox(key="meeting_screen").set_value("own").run()  # stops leading on the laptop
    assert store.meeting_lead("rui") is None
    projector.run()
    assert not projector.exception and store.meeting_lead("rui") is None  # not started again behind the room's back
    assert projector.selectbox(key="meeting_screen").value == "own"
    assert any("You stopped leading on another screen" in i.value for i in projector.info)
