"""Between script runs Streamlit neither resets the Keras model every session shares nor runs a full garbage
collection (medapp/ui/runtime.py, .streamlit/config.toml): together they cost the server 0.79 s of GIL-held
CPU per rerun of any page once every model was loaded (`bench`: app.rerun_server_cpu_s_p50, now 0.07 s)."""
from __future__ import annotations

import gc
import subprocess
import sys

from apptest_helpers import CLIN, REPO, open_page


def test_a_rerun_keeps_the_shared_keras_state():
    at = open_page("pages/audio.py", CLIN)  # loads the heart-sound Keras model in this process
    assert not at.exception
    from keras.src.backend.common import global_state

    tracker = global_state.GLOBAL_STATE_TRACKER  # keras.backend.clear_session() replaces it
    at.run()
    at.run()
    assert not at.exception
    assert global_state.GLOBAL_STATE_TRACKER is tracker


def test_training_in_the_same_process_still_clears_keras(monkeypatch):
    import keras

    from medapp.ui.runtime import keep_shared_keras_models

    keep_shared_keras_models()
    from keras.src.backend.common import global_state

    tracker = global_state.GLOBAL_STATE_TRACKER
    monkeypatch.setattr(gc, "collect", lambda generation=2: 0)  # the real call's full collection is not the point
    keras.backend.clear_session()  # as audio/train.py does between folds
    assert global_state.GLOBAL_STATE_TRACKER is not tracker


def test_the_app_server_forces_no_full_collection_after_each_run():
    """The server's script runner calls gc.collect(2) after every run unless runner.postScriptGC is off; AppTest's
    runner never does, so this reads the setting as streamlit loads it when started from the repository."""
    out = subprocess.run([sys.executable, "-c", "from streamlit import config; "
                          "print(config.get_option('runner.postScriptGC'))"], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr


def _states(**values):
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    states = WidgetStates()
    for wid, value in values.items():
        state = states.widgets.add(id=wid)
        if isinstance(value, bool):
            state.trigger_value = value
        else:
            state.string_value = value
    return states


def _stopped_request(states):
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests

    requests = ScriptRequests()
    requests.request_rerun(RerunData(widget_states=states))
    requests.request_stop()  # fastReruns: the user's next click stops this run
    return requests


def test_a_stopped_runs_unhandled_click_is_handed_to_the_next_run_once():
    from medapp.ui.runtime import take_unhandled_states

    states = _states(save=True, ref="CASE-7")
    requests = _stopped_request(states)
    assert take_unhandled_states(requests) is states
    # the stopped run, if it gets that far, handles nothing: the next run has the click
    assert [*requests._medapp_carried_states] == [states]


def test_a_click_the_stopped_run_began_handling_is_not_handed_on():
    from medapp.ui.runtime import take_unhandled_states

    states = _states(save=True)
    requests = _stopped_request(states)
    requests._medapp_handled_states = states  # as its on_script_will_rerun does
    assert take_unhandled_states(requests) is None


def test_a_running_or_finished_run_hands_nothing_on():
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests

    from medapp.ui.runtime import take_unhandled_states

    requests = ScriptRequests()
    requests.request_rerun(RerunData(widget_states=_states(save=True)))
    assert take_unhandled_states(requests) is None  # not stopped: it will handle its request itself


def _taken_then_replaced_by_a_timer(click):
    """A runner took the rerun of a click and, before it began handling it, a followed case's timer (a fragment
    request, which a full run does not stop for) became its pending request."""
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests

    from medapp.ui.runtime import carry_unhandled_clicks

    carry_unhandled_clicks()  # notes what a runner takes (ScriptRequests.on_scriptrunner_ready / _yield)
    requests = ScriptRequests()
    requests.request_rerun(RerunData(widget_states=click))
    taken = requests.on_scriptrunner_ready()
    assert taken.rerun_data.widget_states is click
    requests.request_rerun(RerunData(widget_states=_states(verdict="agree"), fragment_id="follow_case"))
    return requests


def test_a_taken_click_that_a_timer_replaced_is_handed_on_when_the_run_stops():
    """1 of 20 verdicts was lost this way (press and click reached the button, nothing stored): the stopped
    runner's pending request was the timer's, so only the timer's states were handed to the next run."""
    from medapp.ui.runtime import take_unhandled_states

    click = _states(record=True, verdict="agree")
    requests = _taken_then_replaced_by_a_timer(click)
    requests.request_stop()  # the reviewer's next click
    handed = take_unhandled_states(requests)
    assert handed is not None
    states = {s.id: s for s in handed.widgets}
    assert states["record"].trigger_value is True and states["verdict"].string_value == "agree"
    assert any(carried is click for carried in requests._medapp_carried_states)  # the stopped run handles nothing


def test_a_taken_click_its_run_began_handling_is_not_handed_on_twice():
    from medapp.ui.runtime import take_unhandled_states

    click = _states(record=True)
    requests = _taken_then_replaced_by_a_timer(click)
    requests._medapp_handled_states = click  # as its on_script_will_rerun does
    requests.request_stop()
    handed = take_unhandled_states(requests)  # the timer's states alone: no click in them
    assert handed is not None and [s.id for s in handed.widgets] == ["verdict"]


def test_a_rerun_taken_over_an_unhandled_click_keeps_the_click():
    """A rerun the runner takes at a yield before it handled the click it took: the click goes with it, once."""
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests

    from medapp.ui.runtime import carry_unhandled_clicks, take_unhandled_states

    carry_unhandled_clicks()
    click = _states(record=True, verdict="agree")
    requests = ScriptRequests()
    requests.request_rerun(RerunData(widget_states=click))
    requests.on_scriptrunner_ready()
    requests.request_rerun(RerunData(widget_states=_states(verdict="agree", page="cases")))
    taken = requests.on_scriptrunner_yield()
    merged = {s.id: s for s in taken.rerun_data.widget_states.widgets}
    assert merged["record"].trigger_value is True and merged["page"].string_value == "cases"
    requests._medapp_handled_states = taken.rerun_data.widget_states  # its run handles the merged states
    requests.request_stop()
    assert take_unhandled_states(requests) is None  # and nothing is handed on to be handled again


def test_merged_states_keep_the_newer_values_and_the_older_clicks_and_form():
    from medapp.ui.runtime import merge_widget_states

    older = _states(save=True, ref="CASE-7", title="old title")
    newer = _states(title="new title", nav="models")  # a page change does not send the previous page's form
    merged = {s.id: s for s in merge_widget_states(older, newer).widgets}
    assert merged["save"].trigger_value is True
    assert merged["ref"].string_value == "CASE-7"
    assert merged["title"].string_value == "new title" and merged["nav"].string_value == "models"
    assert [s.id for s in newer.widgets] == ["title", "nav"]  # the request itself is not changed


def test_the_app_patches_streamlits_session_once():
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequests
    from streamlit.runtime.state.safe_session_state import SafeSessionState

    from medapp.ui.runtime import carry_unhandled_clicks

    carry_unhandled_clicks()
    patched = (AppSession.request_rerun, AppSession._create_scriptrunner, SafeSessionState.on_script_will_rerun,
               ScriptRequests.on_scriptrunner_ready, ScriptRequests.on_scriptrunner_yield)
    carry_unhandled_clicks()
    assert (AppSession.request_rerun, AppSession._create_scriptrunner, SafeSessionState.on_script_will_rerun,
            ScriptRequests.on_scriptrunner_ready, ScriptRequests.on_scriptrunner_yield) == patched
    assert all(getattr(f, "_medapp_patched", False) for f in patched)


def test_a_run_marks_its_states_handled_and_applies_them_under_the_sessions_lock(monkeypatch):
    """Marked handled before the session's lock was taken, the next run could apply its own states and run app.py's
    first lines (finishing noted saves) before this run's Save callback noted its click: the save then waited for
    a later run and was confirmed nowhere (1 of 4 saves in a loaded browser test)."""
    from streamlit.runtime.scriptrunner_utils import script_run_context
    from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequests
    from streamlit.runtime.state.safe_session_state import SafeSessionState
    from streamlit.runtime.state.session_state import SessionState

    from medapp.ui import runtime

    runtime.carry_unhandled_clicks()
    session = SafeSessionState(SessionState(), yield_callback=lambda: None)
    held_while_deciding = []

    class Watched:
        def __enter__(self):
            held_while_deciding.append(session._lock._is_owned())

        def __exit__(self, *exc):
            return False

    class Context:
        script_requests = ScriptRequests()

    monkeypatch.setattr(runtime, "_CARRY_LOCK", Watched())
    monkeypatch.setattr(script_run_context, "get_script_run_ctx", lambda suppress_warning=False: Context)
    states = _states(save=True)
    session.on_script_will_rerun(states)
    assert held_while_deciding == [True]
    assert Context.script_requests._medapp_handled_states is states


def test_every_script_run_of_a_session_takes_one_session_lock():
    """Each ScriptRunner wraps the session's state in its own SafeSessionState with its own lock, so a stopped run
    still inside a Save's callback and the next run (opening another page, whose first step drops the previous
    page's widget values) were not excluded: the callback read no reference and the save was refused (2 of 40 saves
    in a loaded browser test). With the runtime patch every run of a session waits for the one lock."""
    import threading

    from streamlit.runtime.state.safe_session_state import SafeSessionState
    from streamlit.runtime.state.session_state import SessionState

    from medapp.ui.runtime import carry_unhandled_clicks

    carry_unhandled_clicks()

    class Runner:  # as a ScriptRunner passes its bound check for a stop request
        def yield_point(self) -> None:
            pass

    state = SessionState()
    state["case_ref"] = "SENT-2"
    stopped, following = (SafeSessionState(state, yield_callback=Runner().yield_point) for _ in range(2))
    detached = SafeSessionState(state, yield_callback=lambda: None)  # a format_func read outside a run: as before
    assert stopped._lock is following._lock and detached._lock is not stopped._lock
    seen = []
    page_change = threading.Thread(target=lambda: (following.__delitem__("case_ref"), seen.append("dropped")))
    with stopped._lock:  # the stopped run's callbacks
        page_change.start()
        page_change.join(0.5)
        seen.append(stopped["case_ref"])
    page_change.join(10)
    assert seen == ["SENT-2", "dropped"]


def test_a_runner_that_took_its_request_is_setting_up_until_its_page_starts():
    """A runner that took its request just before the next click stopped it still set its run up afterwards, on
    state the whole session shares (the page it names to the page manager, the widget values of other pages); the
    new run then drew the old page (the browser stayed on Case records after Save and a page link, 3 times in about
    100 loaded rounds). A runner is marked as setting up from taking its request until its page starts, and the
    runner that replaces it while so marked lets it end first."""
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests
    from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext

    from medapp.ui import runtime

    runtime.carry_unhandled_clicks()
    requests = ScriptRequests()
    requests.request_rerun(RerunData(widget_states=_states(save=True)))
    requests.on_scriptrunner_ready()  # taken
    assert getattr(requests, runtime._SETTING_UP)
    requests.on_scriptrunner_yield()  # a yield point during the set-up: nothing new
    assert getattr(requests, runtime._SETTING_UP)

    class Context:  # the run's context, as ScriptRunContext.on_script_start sees it
        script_requests = requests
        _has_script_started = False

    ScriptRunContext.on_script_start(Context())
    assert not getattr(requests, runtime._SETTING_UP)  # the page runs: nothing shared is set up any more
    requests.request_stop()
    assert requests.on_scriptrunner_ready().type.name == "STOP"
    assert not getattr(requests, runtime._SETTING_UP)  # a stopped runner that takes nothing sets nothing up


def test_an_error_box_shows_no_details_and_no_links_to_public_chatbots():
    """A resilience review: the crash box offered "Ask ChatGPT" beside a hospital application's error."""
    shown = subprocess.run([sys.executable, "-c", "import streamlit.config as c; c.get_config_options(); "
                            "print(c.get_option('client.showErrorLinks'), c.get_option('client.showErrorDetails'))"],
                           cwd=REPO, capture_output=True, text=True, timeout=120)
    assert shown.stdout.split() == ["False", "none"], shown.stdout + shown.stderr
