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
