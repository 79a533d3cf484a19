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

import functools
import sys

_KEPT = "_medapp_keeps_shared_models"
STREAMLIT_CLEANUP = "_clean_problem_modules"  # streamlit.runtime.scriptrunner.script_runner, after every run


def keep_shared_keras_models() -> None:
    """Make Streamlit's per-run `keras.backend.clear_session()` a no-op once Keras is imported (cheap when done)."""
    backend = getattr(sys.modules.get("keras"), "backend", None)
    clear_session = getattr(backend, "clear_session", None)
    if clear_session is None or getattr(clear_session, _KEPT, False):
        return

    @functools.wraps(clear_session)
    def unless_streamlit_cleanup(*args, **kwargs):
        if sys._getframe(1).f_code.co_name == STREAMLIT_CLEANUP:
            return None  # the loaded Keras models are shared by every session: nothing to clear
        return clear_session(*args, **kwargs)

    setattr(unless_streamlit_cleanup, _KEPT, True)
    backend.clear_session = unless_streamlit_cleanup
