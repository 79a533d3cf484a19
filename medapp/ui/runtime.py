"""What Streamlit does between script runs that does not fit one server process shared by many sessions.

After every script run Streamlit calls `keras.backend.clear_session()` if Keras is imported (meant for scripts
that build a Keras model on each run), and with `runner.postScriptGC` (default on) a full `gc.collect(2)`. Here
every model is loaded once and shared by all sessions, so each of those is a full garbage collection over the
loaded models' objects, holding the GIL (0.46-0.47 s each with every model loaded, measured), after every rerun
of every page and every AppTest run; and `clear_session` would also reset Keras's global state and clear
TensorFlow's kernel cache while other sessions' threads are predicting. `.streamlit/config.toml` turns
`postScriptGC` off (Python's own generational collection still runs); `keep_shared_keras_models` makes
Streamlit's after-run call a no-op, while any other caller (training in the same process, as in tests) still
clears. tests/app/test_runtime.py fails if Streamlit's cleanup reaches Keras again (a renamed hook, say)."""
from __future__ import annotations

import dataclasses
import functools
import logging
import sys
import threading

from .state import remember_sent_uploads, remember_sent_values

log = logging.getLogger(__name__)

_PATCHED = "_medapp_patched"  # marks a Streamlit or Keras function replaced here
STREAMLIT_CLEANUP = "_clean_problem_modules"  # streamlit.runtime.scriptrunner.script_runner, after every run


def keep_shared_keras_models() -> None:
    """Make Streamlit's per-run `keras.backend.clear_session()` a no-op once Keras is imported (cheap when done)."""
    backend = getattr(sys.modules.get("keras"), "backend", None)
    clear_session = getattr(backend, "clear_session", None)
    if clear_session is None or getattr(clear_session, _PATCHED, False):
        return

    @functools.wraps(clear_session)
    def unless_streamlit_cleanup(*args, **kwargs):
        if sys._getframe(1).f_code.co_name == STREAMLIT_CLEANUP:
            return None  # the loaded Keras models are shared by every session: nothing to clear
        return clear_session(*args, **kwargs)

    setattr(unless_streamlit_cleanup, _PATCHED, True)
    backend.clear_session = unless_streamlit_cleanup


# ---- A click that a faster next click stopped before the server handled it -------------------------------------
# With `runner.fastReruns` (default on) each request from the browser stops the running script and starts a new
# run with that request alone (AppSession.request_rerun). A request carries a button press only once, so when the
# user's next click (another page, say) arrives before the previous run has handled its button press, the press is
# gone: a Save clicked and then, within a few milliseconds, a page link was silently lost (2 of 6 in
# tests/e2e/test_save_then_leave_e2e.py). `carry_unhandled_clicks` hands the stopped run's unhandled widget states
# (button presses and the values sent with them) to the run that replaced it, whose callbacks then handle them.
# A lock makes it either-or: the stopped run handles its request, or the next run does; never both, never neither.
# The request a runner has taken but not yet handled counts too: a followed case's timer (a fragment request) that
# arrived in that moment replaced it as the runner's pending request, and a Record verdict clicked just before was
# then neither handled nor handed on (1 of 20 verdicts, once in six loaded runs of the meeting test).
_HANDLED = "_medapp_handled_states"  # on a ScriptRequests: the widget states its runner began handling
_CARRIED = "_medapp_carried_states"  # on a ScriptRequests: the widget states handed on to the next run (a list)
_TAKEN = "_medapp_taken_states"  # on a ScriptRequests: the widget states its runner last took to run
_PREVIOUS = "_medapp_previous_runner"  # on an AppSession, during request_rerun: the runner it may stop
SESSION_LOCK = "_medapp_session_lock"  # in a session's state: the one lock of every runner's SafeSessionState
_SETTING_UP = "_medapp_setting_up"  # on a ScriptRequests: its runner took a rerun and has not yet started the page
_AFTER = "_medapp_after"  # on a ScriptRunner: the stopped runner, still setting up, whose thread it lets end first
_CREATING = threading.local()  # .after: that runner, for the runner AppSession is creating on this thread
SETUP_WAIT_S = 5.0  # at most this long (a stopped runner ends at its next yield point, milliseconds away)
_CARRY_LOCK = threading.Lock()


def carry_unhandled_clicks() -> None:
    """Patch Streamlit's session and session state so no request's button press dies with a stopped run."""
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner
    from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequests
    from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext
    from streamlit.runtime.state.safe_session_state import SafeSessionState

    if getattr(AppSession.request_rerun, _PATCHED, False):
        return
    request_rerun, create_runner = AppSession.request_rerun, AppSession._create_scriptrunner
    will_rerun, wrap_state = SafeSessionState.on_script_will_rerun, SafeSessionState.__init__
    start_runner, run_thread = ScriptRunner.start, ScriptRunner._run_script_thread
    script_started = ScriptRunContext.on_script_start

    @functools.wraps(wrap_state)
    def sharing_the_session_lock(self, state, yield_callback, *args, **kwargs):
        # Each script runner wraps the session's state in its own SafeSessionState with its own lock, so a stopped
        # run still inside its callbacks and the next run were never excluded: the next run, opening another page,
        # dropped the previous page's widget values (Streamlit's cleanup on a page change) while a Save's callback
        # was reading them, and the save was refused for want of a reference (2 of 40 saves beside two busy cores).
        wrap_state(self, state, yield_callback, *args, **kwargs)
        if getattr(yield_callback, "__self__", None) is None:
            return  # not a script runner's (a detached context reading a widget's format_func): its own lock, as before
        with _CARRY_LOCK:  # one lock per session, kept with its values (SessionState has neither __dict__ nor weakref)
            shared = state._old_state.setdefault(SESSION_LOCK, self._lock)
        object.__setattr__(self, "_lock", shared)

    @functools.wraps(request_rerun)
    def remembering_the_runner(self, *args, **kwargs):
        setattr(self, _PREVIOUS, self._scriptrunner)
        try:
            return request_rerun(self, *args, **kwargs)
        finally:
            setattr(self, _PREVIOUS, None)

    @functools.wraps(create_runner)
    def with_unhandled_states(self, rerun_data, *args, **kwargs):
        previous = getattr(self, _PREVIOUS, None)
        if previous is not None and not rerun_data.fragment_id and not rerun_data.fragment_id_queue:
            unhandled = take_unhandled_states(previous._requests)
            if unhandled is not None:
                rerun_data = dataclasses.replace(rerun_data, widget_states=merge_widget_states(
                    unhandled, rerun_data.widget_states))
        _CREATING.after = previous if getattr(getattr(previous, "_requests", None), _SETTING_UP, False) else None
        try:
            return create_runner(self, rerun_data, *args, **kwargs)
        finally:
            _CREATING.after = None

    # A runner that took its request just before the user's next click stopped it still sets its run up before its
    # first yield point, on state the whole session shares: it names its page to the session's page manager and,
    # on a page change, drops the widget values of every other page. Done after the new runner had set up, the
    # new run drew the old page (a Save then a page link: the browser stayed on Case records, 3 times in 60 loaded
    # rounds) or lost the values a carried Save was to read. The new runner now lets such a runner end first.
    @functools.wraps(start_runner)
    def knowing_whom_to_wait_for(self, *args, **kwargs):
        setattr(self, _AFTER, getattr(_CREATING, "after", None))
        # setting up from the start: a runner still waiting for the one before it is waited for in turn (a field's
        # commit, a Save and a page link clicked at once: the page link's run waited for the Save's, not for the
        # field's, whose set-up then named its page last: the browser stayed put, 6 of 12 mouse rounds)
        setattr(self._requests, _SETTING_UP, True)
        return start_runner(self, *args, **kwargs)

    @functools.wraps(run_thread)
    def after_the_stopped_runner(self, *args, **kwargs):
        thread = getattr(getattr(self, _AFTER, None), "_script_thread", None)
        setattr(self, _AFTER, None)
        if thread is not None and thread is not threading.current_thread():
            thread.join(SETUP_WAIT_S)
        return run_thread(self, *args, **kwargs)

    @functools.wraps(script_started)
    def set_up(self, *args, **kwargs):
        if self.script_requests is not None:
            setattr(self.script_requests, _SETTING_UP, False)
        return script_started(self, *args, **kwargs)

    @functools.wraps(will_rerun)
    def unless_carried(self, fresh_widget_states, *args, **kwargs):
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

        # Streamlit's own body, with the check for a stop request moved before the handover: a run stopped from
        # here on has handled its states (a cut-short callback is then the page's to finish: ui/cases.py)
        self._yield_callback()
        requests = getattr(get_script_run_ctx(suppress_warning=True), "script_requests", None)
        # The session's lock is taken before the handover is decided, and held while the states are applied and
        # their callbacks run: taken after it, the next run could apply its own states and run its first lines
        # (app.py finishing noted saves) between this run's "handled" mark and its callbacks; a Save noted then
        # waited for a later run, and no confirmation came (1 of 4 saves in a loaded browser test).
        with self._lock:
            if requests is not None and fresh_widget_states is not None:
                with _CARRY_LOCK:
                    if any(carried is fresh_widget_states for carried in getattr(requests, _CARRIED, ())):
                        fresh_widget_states = None  # the next run handles them; this one is stopping
                    else:
                        setattr(requests, _HANDLED, fresh_widget_states)
            self._state.on_script_will_rerun(fresh_widget_states, *args, **kwargs)
            if fresh_widget_states is not None:  # kept now: the user's next click may stop this run at once
                try:
                    remember_sent_values(self._state, {w.id for w in fresh_widget_states.widgets})
                    remember_sent_uploads(self._state, fresh_widget_states)
                except Exception:  # as keep_page_state: a Streamlit with other internals keeps less, runs on
                    log.debug("page state not kept for this run", exc_info=True)

    taking = [noting_what_it_takes(ScriptRequests.on_scriptrunner_ready),
              noting_what_it_takes(ScriptRequests.on_scriptrunner_yield)]
    for patched in (remembering_the_runner, with_unhandled_states, unless_carried, sharing_the_session_lock,
                    knowing_whom_to_wait_for, after_the_stopped_runner, set_up, *taking):
        setattr(patched, _PATCHED, True)
    SafeSessionState.__init__ = sharing_the_session_lock
    ScriptRunner.start, ScriptRunner._run_script_thread = knowing_whom_to_wait_for, after_the_stopped_runner
    ScriptRunContext.on_script_start = set_up
    AppSession.request_rerun = remembering_the_runner
    AppSession._create_scriptrunner = with_unhandled_states
    SafeSessionState.on_script_will_rerun = unless_carried
    ScriptRequests.on_scriptrunner_ready, ScriptRequests.on_scriptrunner_yield = taking


def noting_what_it_takes(take_request):
    """Wrap ScriptRequests.on_scriptrunner_ready / _yield: note the widget states of a rerun the runner takes, and
    keep in it the clicks of one it took before and never handled (a rerun that replaced it before it began)."""
    from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequest, ScriptRequestType

    setting_up_first = take_request.__name__ == "on_scriptrunner_ready"  # the runner sets a run up next if RERUN

    @functools.wraps(take_request)
    def noting(self):
        if setting_up_first:  # said before taking: a runner stopped right after taking it is waited for
            setattr(self, _SETTING_UP, True)
        request = take_request(self)
        is_rerun = request is not None and request.type is ScriptRequestType.RERUN
        if setting_up_first or is_rerun:  # (a rerun at a yield point: the runner starts over, setting up)
            setattr(self, _SETTING_UP, is_rerun)
        if not is_rerun:  # the common case at a yield: no lock
            return request
        states = request.rerun_data.widget_states
        if states is None or not states.widgets:
            return request
        with _CARRY_LOCK:
            before = getattr(self, _TAKEN, None)
            if before is not None and before is not getattr(self, _HANDLED, None) \
                    and not any(before is carried for carried in getattr(self, _CARRIED, ())):
                taken, states = states, merge_widget_states(before, states)
                request = ScriptRequest(request.type, dataclasses.replace(request.rerun_data, widget_states=states))
                with self._lock:  # the pending request is the merged one too, so it counts as handled with it
                    if self._rerun_data.widget_states is taken:
                        self._rerun_data = dataclasses.replace(self._rerun_data, widget_states=states)
            setattr(self, _TAKEN, states)
        return request

    return noting


def take_unhandled_states(requests):
    """The widget states of a stopped runner's requests that its run never began handling, the one it took and the
    one still pending, merged (then they are the caller's to handle); else None."""
    from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType

    with _CARRY_LOCK, requests._lock:
        if requests._state != ScriptRequestType.STOP:
            return None
        unhandled = []
        for states in (getattr(requests, _TAKEN, None), requests._rerun_data.widget_states):
            if states is not None and states.widgets and states is not getattr(requests, _HANDLED, None) \
                    and not any(states is seen for seen in unhandled):
                unhandled.append(states)
        if not unhandled:
            return None
        setattr(requests, _CARRIED, unhandled)
        return functools.reduce(merge_widget_states, unhandled)


def merge_widget_states(older, newer):
    """The newer request's values, the older request's button presses, and the older values of widgets the newer
    request does not mention (a page change does not send the previous page's form)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetStates
    from streamlit.runtime.scriptrunner_utils.script_requests import _coalesce_widget_states

    merged = WidgetStates()
    merged.CopyFrom(_coalesce_widget_states(older, newer))
    known = {state.id for state in merged.widgets}
    merged.widgets.extend(state for state in older.widgets if state.id not in known)
    return merged
