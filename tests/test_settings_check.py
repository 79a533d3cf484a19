"""Settings checked when the app and the service start (an IT review: a malformed UID root, an emptied salt and a
timeout of "30m" were accepted at start and failed at first use, as a client's 400 or Streamlit's crash box)."""
from __future__ import annotations

from cli_inprocess import run_medapp

from medapp.settings_check import problems


def test_the_service_refuses_to_start_naming_the_setting(tmp_path):
    served = run_medapp("serve", "--port", "1", env={"MEDAPP_VAR_DIR": str(tmp_path), "MEDAPP_UID_ROOT": "1.2.03"})
    assert served.returncode == 2 and served.stdout == ""
    assert served.stderr.startswith("error: The setting MEDAPP_UID_ROOT '1.2.03' is not a DICOM UID root")


def test_each_bad_setting_is_named_in_words(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    assert problems() == []
    (tmp_path / "deid_salt").write_text("")
    for name, value in {"MEDAPP_SESSION_TIMEOUT_MIN": "30m", "MEDAPP_API_RATE_PER_MINUTE": "abc",
                        "MEDAPP_API_AUDIT": "synch", "MEDAPP_UID_ROOT": "1.2.03",
                        "MEDAPP_DATABASE_URL": "postgres://medapp@localhost/medapp"}.items():
        monkeypatch.setenv(name, value)
    said = problems()
    assert said[:3] == [
        "MEDAPP_SESSION_TIMEOUT_MIN='30m' is not a number of minutes of at least 1 (the default is 30).",
        "MEDAPP_API_RATE_PER_MINUTE='abc' is not a whole number of calls per minute per token of at least 1 (the "
        "default is 1200).",
        "MEDAPP_API_AUDIT='synch' is not one of batched, sync (the default is batched)."]
    assert said[3].startswith("MEDAPP_DATABASE_URL starts with postgres://: write postgresql+psycopg://")
    assert said[4].startswith("The setting MEDAPP_UID_ROOT '1.2.03' is not a DICOM UID root")
    assert not any("administrator" in line for line in said)  # the screen above the list says who acts, once
    # not "delete it" (a re-check): a new salt gives every study new UIDs, so one sent again would be stored twice
    assert said[5] == (f"The de-identification salt cannot be used: {tmp_path / 'deid_salt'} is empty: restore it from "
                       "the backup (or set MEDAPP_DEID_SALT to the salt in use); delete it only on a new installation, "
                       "which then draws one.")
    monkeypatch.setenv("MEDAPP_SESSION_TIMEOUT_MIN", "0")  # nobody could stay signed in
    assert "MEDAPP_SESSION_TIMEOUT_MIN='0' is not a number of minutes of at least 1" in problems()[0]


def test_a_secrets_file_that_is_missing_or_readable_by_others_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("MEDAPP_SECRETS_FILE", str(tmp_path / "nope.toml"))
    assert problems() == [f"MEDAPP_SECRETS_FILE names {tmp_path / 'nope.toml'}, which cannot be read (No such file or "
                          "directory)."]
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[pacs.orthanc]\nurl = "http://127.0.0.1:8042/dicom-web"\n')
    secrets.chmod(0o644)
    monkeypatch.setenv("MEDAPP_SECRETS_FILE", str(secrets))
    assert problems() == [f"MEDAPP_SECRETS_FILE {secrets} can be read by other users of this machine (mode 0644): "
                          "make it readable by its owner only (chmod 600)."]
    secrets.chmod(0o600)
    assert problems() == []
