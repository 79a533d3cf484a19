"""Endpoint configuration: secrets.toml sections, the Admin store, validation, secrets kept out of sight."""
from __future__ import annotations

import os
import stat

import pytest

from medapp.pacs import config
from medapp.pacs.config import Endpoint, from_secrets, list_endpoints, save_endpoint
from medapp.types import InputError


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path / "var"))
    secrets = tmp_path / "secrets.toml"
    monkeypatch.setenv("MEDAPP_SECRETS_FILE", str(secrets))
    return secrets


def test_secrets_sections_become_endpoints(isolated):
    isolated.write_text('[auth]\nredirect_uri = "x"\n[pacs.main]\nurl = "https://pacs.example/dicom-web/"\n'
                        'username = "svc"\npassword = "s3cret-pw"\ntimeout = 12\n'
                        '[pacs.cloud]\nurl = "https://healthcare.example/v1/dicomWeb"\ntoken = "tok-123"\n')
    main, cloud = sorted(from_secrets(), key=lambda e: e.name, reverse=True)
    assert (main.url, main.auth, main.username, main.read_timeout) == ("https://pacs.example/dicom-web", "basic",
                                                                       "svc", 12.0)
    assert cloud.auth == "bearer" and cloud.token == "tok-123" and cloud.source == "secrets"
    for ep in (main, cloud):
        assert "s3cret-pw" not in repr(ep) + str(ep.public()) and "tok-123" not in repr(ep) + str(ep.public())


def test_bad_addresses_and_settings_are_refused_in_words(isolated):
    with pytest.raises(InputError, match="not an http"):
        config.validate(Endpoint("a", "ftp://x"))
    with pytest.raises(InputError, match="not in the address"):
        config.validate(Endpoint("a", "http://u:p@pacs/dicom-web"))
    with pytest.raises(InputError, match="needs a user name"):
        config.validate(Endpoint("a", "http://pacs/dicom-web", "basic"))
    with pytest.raises(InputError, match="name"):
        config.validate(Endpoint("bad name!", "http://pacs/dicom-web"))


def test_admin_store_is_private_and_keeps_a_secret_left_empty(isolated):
    save_endpoint(Endpoint("local", "http://127.0.0.1:8042/dicom-web", "basic", "orthanc", "first-pw"))
    path = config._store_path()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    save_endpoint(Endpoint("local", "http://127.0.0.1:8042/dicom-web", "basic", "orthanc", "", read_timeout=60))
    (ep,) = list_endpoints()
    assert ep.password == "first-pw" and ep.read_timeout == 60 and ep.source == "admin"
    isolated.write_text('[pacs.local]\nurl = "http://pacs/dicom-web"\n')
    with pytest.raises(InputError, match="secrets.toml"):
        save_endpoint(Endpoint("local", "http://other/dicom-web"))
    assert [e.source for e in list_endpoints()] == ["secrets"]  # secrets.toml wins over the Admin page
    assert config.delete_endpoint("local") and list_endpoints()[0].source == "secrets"
