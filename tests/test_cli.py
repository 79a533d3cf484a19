"""The command line: models, predict (text and JSON, errors and exit status), bench, train errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cli_inprocess import run_medapp

from medapp.registry import data_root

REPO = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    """A fresh `python -m medapp` process: its entry point, exit status and a fresh model load (bench's load_s)."""
    return subprocess.run([sys.executable, "-m", "medapp", *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, timeout=600)


def test_models_lists_every_card():
    out = run("models")
    assert out.returncode == 0
    for model_id in ("heart-disease", "kidney-disease", "diabetes"):
        assert model_id in out.stdout
    # a mistyped models folder printed an empty table and exited 0 (an IT review)
    empty = run_medapp("models", env={"MEDAPP_MODELS_DIR": "/nonexistent/models"})
    assert empty.returncode == 2 and empty.stdout == ""
    assert empty.stderr == "error: no model cards in /nonexistent/models (check MEDAPP_MODELS_DIR)\n"


def test_predict_json_one_line_per_row_in_order_with_errors(tmp_path):
    csv = tmp_path / "patients.csv"
    csv.write_text("age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal\n"
                   "63,1,4,145,233,1,2,150,0,2.3,3,0,6\n"
                   "abc,1,4,145,233,1,2,150,0,2.3,3,0,6\n"
                   "95,0,3,120,,0,0,160,0,0,1,0,3\n")
    patient = tmp_path / "one.json"
    patient.write_text(json.dumps({"age": 45, "sex": "female", "cp": "atypical angina"}))
    out = run_medapp("predict", "--model", "heart-disease", "--json", str(csv), str(patient), str(tmp_path / "none.csv"))
    assert out.returncode == 1
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["input"] for r in lines] == ["patients.csv#row1", "patients.csv#row2", "patients.csv#row3",
                                           "one.json", str(tmp_path / "none.csv")]
    assert lines[0]["label"] in ("absent", "present") and lines[0]["assessed"] is True
    assert abs(sum(lines[0]["probabilities"].values()) - 1) < 1e-9
    assert lines[0]["warnings"] == []
    assert lines[0]["explanation"]["top_contributions"]
    assert "for_reference_only" not in lines[0]["explanation"]
    # the card's risk band, as the form, the cohort table and the API give it
    from medapp.registry import load_model

    assert lines[0]["risk_band"] == load_model("heart-disease").risk_band(lines[0]["probabilities"]["present"])
    assert lines[1]["error"] == "row 2: Age: 'abc' is not a number"
    assert any("beyond the values seen in training" in w for w in lines[2]["warnings"])
    assert "cannot read" in lines[4]["error"]
    # the run is in the audit trail, as the pages' and the API's analyses are: who, model, code, counts, no file names
    from medapp.build import build_id
    from medapp.db.database import Database

    row = Database().audit_events(action="cli.predict", limit=1)[0]
    assert row["username"].startswith("cli:") and row["target"] == "model:heart-disease"
    assert row["detail"]["files"] == 3 and row["detail"]["failed"] == 2 and row["detail"]["app"] == build_id()
    assert sum(row["detail"]["labels"].values()) == 3 and row["detail"]["with_warnings"] >= 1
    assert "patients.csv" not in json.dumps(row["detail"]) + row["target"]


def test_predict_whose_audit_row_cannot_be_written_prints_its_results_and_exits_1(tmp_path):
    """Results printed stand; a run that left no trace is said and is not a clean exit (as `pacs analyse`)."""
    patient = tmp_path / "one.json"
    patient.write_text(json.dumps({"age": 45, "sex": "female", "cp": "atypical angina"}))
    out = run_medapp("predict", "--model", "heart-disease", "--json", "--no-explain", str(patient),
                     env={"MEDAPP_DATABASE_URL": "postgresql+psycopg://medapp@127.0.0.1:1/medapp"})
    assert out.returncode == 1
    assert json.loads(out.stdout)["label"] in ("absent", "present")
    assert out.stderr.startswith("error: the audit trail could not be written (") and "Traceback" not in out.stderr
    assert out.stderr.rstrip().endswith("this run is not recorded")


def test_predict_text_no_explain():
    out = run_medapp("predict", "--model", "kidney-disease", "--no-explain",
              str(data_root() / "records/chronic_kidney_disease/chronic_kidney_disease.csv"))
    # The public file has three rows with impossible entries (sodium 4.5 mEq/L, creatinine 76 and 32 mg/dL,
    # potassium 39 and 47 mEq/L: slips of a decimal point or a unit): reported, the other 317 scored.
    assert out.returncode == 1, out.stderr
    assert "why" not in out.stdout
    lines = [line for line in out.stdout.splitlines() if not line.startswith("  ")]  # skip warning lines
    header, lines = lines[:2], lines[2:]  # the model and the notice, once above the rows
    assert header[0].startswith("model: kidney-disease v") and header[1].startswith("notice: Demonstration model")
    assert len(lines) == 320
    assert [line for line in lines if "ERROR" in line] == [
        "chronic_kidney_disease.csv#row19: ERROR row 19: Serum creatinine: 76 is outside the valid range 0.1-30 mg/dL. "
        "In µmol/L? 76 µmol/L is 0.86 mg/dL: enter that; Sodium: 4.5 is outside the valid range 100-180 mEq/L",
        "chronic_kidney_disease.csv#row54: ERROR row 54: Serum creatinine: 32 is outside the valid range 0.1-30 mg/dL. "
        "In µmol/L? 32 µmol/L is 0.362 mg/dL: enter that; Potassium: 39 is outside the valid range 1.5-10 mEq/L",
        "chronic_kidney_disease.csv#row108: ERROR row 108: Potassium: 47 is outside the valid range 1.5-10 mEq/L"]


def test_unknown_model_is_a_clear_error():
    out = run("predict", "--model", "nope", "x.csv")
    assert out.returncode == 2
    assert "no model named 'nope'" in out.stderr


def test_bench_json_has_the_documented_keys():
    out = run("bench", "--json", "--models", "diabetes", "--repeats", "3", "--no-extras")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    row = report["models"]["diabetes"]
    for key in ("load_s", "predict_ms_p50", "explain_ms_p50", "explain_ms_p95", "baseline_explain_ms_p50"):
        assert row[key] > 0
    assert report["rss_mb"] > 50


def test_bench_of_some_models_runs_only_their_modalities_pipelines():
    from medapp.bench import EXTRAS, extras_for

    assert extras_for({"records"}) == ["medapp.modalities.records.bench:bench_cohort"]
    assert "medapp.pacs.bench:bench_pacs" in extras_for({"imaging"})
    assert not any(spec.startswith(("medapp.appbench", "medapp.cases")) for spec in extras_for({"records", "imaging"}))
    assert extras_for(None) == [spec for _, spec in EXTRAS] and "medapp.appbench:first_page" in extras_for(None)


def test_predict_json_says_when_an_input_is_not_assessed(tmp_path):
    """A profile unlike every training class: no label (the pages show no finding), the reason, and the
    probabilities, which are not a finding; a profile the model fits is assessed as before."""
    import numpy as np

    from medapp.registry import get_card

    card = get_card("srbct-tumour")
    genes, means = card.input["model_genes"], card.input["class_means"]
    typical = np.asarray(means["EWS"], dtype=float)
    unlike = np.random.default_rng(1).permutation(np.asarray(means["NB"], dtype=float))
    csv = tmp_path / "profiles.csv"
    csv.write_text("sample," + ",".join(genes) + "\n" + "\n".join(
        f"{name}," + ",".join(f"{v:.6f}" for v in row) for name, row in (("typical", typical), ("unlike", unlike))))
    out = run_medapp("predict", "--model", "srbct-tumour", "--json", "--no-explain", str(csv))
    assert out.returncode == 0, out.stderr
    typical_line, unlike_line = [json.loads(line) for line in out.stdout.splitlines()]
    assert typical_line["assessed"] is True and typical_line["label"] == "EWS"
    assert "not_assessed_reason" not in typical_line
    assert unlike_line["assessed"] is False and unlike_line["label"] is None
    assert unlike_line["not_assessed_reason"].startswith("This profile is unlike every training class")
    assert unlike_line["not_assessed_reason"] == unlike_line["warnings"][0]
    assert abs(sum(unlike_line["probabilities"].values()) - 1) < 1e-9
    text = run_medapp("predict", "--model", "srbct-tumour", "--no-explain", str(csv)).stdout
    assert "profiles.csv#unlike: not assessed: This profile is unlike every training class" in text
    assert "probabilities, not a finding" in text


def test_a_model_id_that_is_unknown_or_of_the_wrong_kind_and_a_zero_count_exit_2_without_a_traceback():
    """Each was a Python traceback (UnknownModel, AttributeError, ValueError) before 2026-12-03."""
    bench = run_medapp("bench", "--models", "nosuch", "--no-baseline", "--no-extras")
    assert bench.returncode == 2 and "no model named 'nosuch'; registered models:" in bench.stderr
    serve = run_medapp("serve", "--port", "1", "--preload", "heart-disease,nosuch")
    assert serve.returncode == 2 and "no model named 'nosuch'" in serve.stderr
    transcribe = run_medapp("transcribe", "--model", "heart-disease", "x.wav")
    assert transcribe.returncode == 2
    assert transcribe.stderr.strip() == ("error: heart-disease is a records model, not a dictation model (speech "
                                         "models: dictation-whisper)")
    clients = run_medapp("bench", "--http", "5", "--http-clients", "0")
    assert clients.returncode == 2 and "argument --http-clients: 0 is less than 1" in clients.stderr
    for out in (bench, serve, transcribe, clients):
        assert "Traceback" not in out.stderr


def test_an_input_the_model_does_not_fit_is_explained_for_reference_only():
    """A lung recording beside its ICBHI annotations, given to the heart model: not assessed, and its explanation
    (of the heart model's output) is labelled as the reports label it, never "why"."""
    lung = data_root() / "audio/lung_sounds_demo/101_1b1_Al_sc_Meditron.wav"
    text = run_medapp("predict", "--model", "heart-sound", "--top", "2", str(lung))
    assert text.returncode == 0, text.stderr
    assert "101_1b1_Al_sc_Meditron.wav: not assessed: This file comes with respiratory-cycle annotations" in text.stdout
    assert "  not assessed; for reference only, not a finding (" in text.stdout and "  why (" not in text.stdout
    line = json.loads(run_medapp("predict", "--model", "heart-sound", "--json", "--top", "2", str(lung)).stdout)
    assert line["assessed"] is False and line["explanation"]["for_reference_only"] is True


def test_a_broken_json_file_and_a_misspelt_field_are_named(tmp_path):
    """'not json{' in a .json file read "has a header but no patient rows"; {"agee": 50} read "No values were
    entered" (the API named the unknown input; the CLI now does too)."""
    bad, misspelt = tmp_path / "bad.json", tmp_path / "agee.json"
    bad.write_text("not json{")
    misspelt.write_text('{"agee": 50}')
    out = run_medapp("predict", "--model", "heart-disease", "--json", str(bad), str(misspelt))
    assert out.returncode == 1
    first, second = [json.loads(line) for line in out.stdout.splitlines()]
    assert first == {"input": "bad.json", "error": "bad.json is not valid JSON: Expecting value (line 1)"}
    assert second["error"].startswith("None of 'agee' is an input of this model; its inputs are age, sex, cp,")


def test_options_that_conflict_or_change_nothing_are_refused(tmp_path):
    """Each of these exited 0 without a word (a README review): `users update` with no option printed "updated";
    --disable --enable left the account disabled; --no-expiry --expires-days 5 made a token that never expires;
    `audit --limit -3` printed every event; `serve --port 99999` announced 99999 and listened elsewhere."""
    env = {"MEDAPP_VAR_DIR": str(tmp_path), "PW": "a-password-123"}
    assert run_medapp("users", "add", "bob", "--password-env", "PW", env=env).returncode == 0
    nothing = run_medapp("users", "update", "bob", env=env)
    assert nothing.returncode == 2 and nothing.stdout == ""
    assert nothing.stderr.strip() == "error: nothing to change: give --role, --disable, --enable or --reset-password"
    both = run_medapp("users", "update", "bob", "--disable", "--enable", env=env)
    assert both.returncode == 2 and "argument --enable: not allowed with argument --disable" in both.stderr
    token = run_medapp("tokens", "create", "bob", "--no-expiry", "--expires-days", "5", env=env)
    assert token.returncode == 2 and "not allowed with argument" in token.stderr
    limit = run_medapp("audit", "--limit", "-3", env=env)
    assert limit.returncode == 2 and "argument --limit: -3 is less than 1" in limit.stderr
    port = run_medapp("serve", "--port", "99999", env=env)
    assert port.returncode == 2 and "argument --port: 99999 is not a port (1-65535)" in port.stderr
    unset = run_medapp("users", "add", "carl", "--password-env", "NO_SUCH_VARIABLE", env=env)
    assert unset.returncode == 2 and unset.stderr.strip() == (
        "error: environment variable NO_SUCH_VARIABLE is not set or empty")  # exit 1 until an IT review
    listed = run_medapp("users", "list", env=env)
    assert listed.stdout.split() == ["bob", "clinician", "active"]  # none of the refused changes was made



def test_serve_on_a_busy_port_says_so_before_announcing_anything():
    import socket

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    try:
        out = run_medapp("serve", "--port", str(port))
    finally:
        busy.close()
    assert out.returncode == 2 and out.stdout == ""  # it announced the address, then failed, until 2026-12-05
    assert out.stderr.strip() == f"error: cannot listen on 127.0.0.1:{port}: Address already in use"


def test_a_json_name_that_is_not_an_input_is_said_beside_the_estimate(tmp_path):
    """{"age": 63, "sexx": "male"}: sex read "not measured" with no word of why."""
    patient = tmp_path / "p.json"
    patient.write_text('{"age": 63, "sexx": "male", "cp": "asymptomatic"}')
    out = run_medapp("predict", "--model", "heart-disease", "--json", "--no-explain", str(patient))
    record = json.loads(out.stdout)
    assert out.returncode == 0 and record["warnings"][0] == "Not an input of this model, so not used: 'sexx'."
    survival = tmp_path / "s.json"
    survival.write_text('{"age": 70, "ejection_fraction": 30, "sex": 1, "serum_creatinine": 1.2, "serum_sodium": 137, '
                        '"smoking": 0, "time": 100, "DEATH_EVENT": 1}')
    out = run_medapp("predict", "--model", "heart-failure", "--json", "--no-explain", str(survival))
    warnings = json.loads(out.stdout)["warnings"]  # outcomes have their own note, not this one
    assert not any(w.startswith("Not an input") for w in warnings) and any("Outcome columns" in w for w in warnings)


def test_predict_help_names_the_models_the_inputs_and_the_exit_status():
    """A review: `predict --help` described neither INPUT, nor the model ids, nor what --json prints."""
    from medapp.registry import list_cards

    out = run_medapp("predict", "--help")
    assert out.returncode == 0
    text = " ".join(out.stdout.split())
    assert all(card.id in text for card in list_cards())
    assert "imaging PNG, JPEG, TIFF, BMP or DICOM (.dcm); a ZIP of them" in text
    assert "Exit status: 0 when every case was analysed, 1 when one or more could not be" in text
    assert "survival_band" in text
    assert "input, model, model_version, medapp (the code's build), label" in text


def test_one_version_for_the_package_the_command_line_and_the_api():
    """`--version` did not exist, /v2 said 1.0.0, medapp.__version__ 0.1.0 and pyproject.toml 0.2.0 (an IT review)."""
    import tomllib

    from starlette.testclient import TestClient

    import medapp
    from medapp.build import code_digest
    from medapp.service.app import create_app

    with open(REPO / "pyproject.toml", "rb") as f:
        declared = tomllib.load(f)["project"]["version"]
    assert medapp.__version__ == declared
    out = run_medapp("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"medapp {declared} (code {code_digest()})"
    with TestClient(create_app()) as client:
        assert client.get("/v2").json()["version"] == declared


def test_frame_chooses_the_frame_of_a_multi_frame_image_as_the_api_does(tmp_path):
    """--frame N counts from 1 (DICOM's, the page's and the API's frame_number); a frame the image lacks is an error."""
    from dicom_samples import three_frames

    from medapp.analysis import analyse
    from medapp.modalities.imaging.io import decode
    from medapp.registry import load_model

    film = tmp_path / "film.dcm"
    film.write_bytes(three_frames(PatientID="MRN-CLI"))
    model = load_model("chest-xray-pneumonia")
    second = analyse(model, decode(film.read_bytes(), "film.dcm", frame=1)[0], explain=False).prediction
    got = run_medapp("predict", "--model", "chest-xray-pneumonia", "--json", "--no-explain", "--frame", "2", str(film))
    assert got.returncode == 0, got.stderr
    line = json.loads(got.stdout)
    assert set(line["probabilities"]) == set(model.card.labels)
    for label, p in zip(model.card.labels, second.probabilities):
        assert abs(line["probabilities"][label] - float(p)) < 1e-6, (label, line["probabilities"], p)
    first = run_medapp("predict", "--model", "chest-xray-pneumonia", "--json", "--no-explain", str(film))
    assert json.loads(first.stdout)["probabilities"] != line["probabilities"]  # frame 2 is the mirrored film
    past = run_medapp("predict", "--model", "chest-xray-pneumonia", "--frame", "4", str(film))
    assert past.returncode == 1
    assert "film.dcm has 3 frames; frame number 4 asks for one it does not have" in past.stdout
    wrong = run_medapp("predict", "--model", "heart-disease", "--frame", "2", str(film))
    assert wrong.returncode == 2 and "--frame chooses the frame" in wrong.stderr


def test_train_finds_each_trainer_from_declarations_and_cards_and_names_what_it_cannot_train():
    """An onboarding review: training.py kept its own list of model ids beside the cards and declarations."""
    from medapp.registry import list_cards
    from medapp.training import trainer_of

    for card in list_cards():
        if card.modality != "speech":
            assert trainer_of(card.id) == f"medapp.modalities.{card.modality}.train"
    out = run_medapp("train", "dictation-whisper")
    assert out.returncode == 2 and "no trainer for 'dictation-whisper' (its weights come from a pinned package" in out.stderr
    out = run_medapp("train", "heart-failur")
    assert out.returncode == 2 and "(there is no such model); trainable models: " in out.stderr and "heart-failure" in out.stderr


def test_a_close_call_the_page_says_is_in_the_cli_warnings_too(tmp_path):
    """A clinical-safety review: survival rows whose band crossed 50% were "Not a clear answer" on the page and had
    `warnings: []` in `predict --json` and the API."""
    import pandas as pd

    path = tmp_path / "gbsg.csv"
    pd.read_csv(data_root() / "records/survival/gbsg2.csv").head(3).to_csv(path, index=False)
    out = run_medapp("predict", "--model", "breast-cancer-recurrence", "--no-explain", "--json", str(path))
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    said = [[w for w in r["warnings"] if w.startswith("Not a clear answer: the 95% band")] for r in rows]
    assert [bool(s) for s in said] == [False, True, True]
    text = run_medapp("predict", "--model", "breast-cancer-recurrence", "--no-explain", str(path)).stdout
    assert text.count("  warning: Not a clear answer: the 95% band") == 2


def test_predict_names_the_model_and_the_code_once_with_the_notice_and_a_film_without_an_age_its_trained_ages():
    """A labelling audit: the text output named no model version and carried no demonstration notice, the JSON no
    build; the shared adult CR chest film (no age) printed only its out-of-distribution warning, not the ages the
    paediatric model was trained on, which the pages say beside its "normal 66.8%"."""
    from medapp.build import build_id
    from medapp.registry import get_card
    from medapp.types import ModelCard

    film = data_root() / "dicom/CR-MONO1-10-chest.dcm"
    version = get_card("chest-xray-pneumonia").version
    untested = ("Trained on children's radiographs of patients aged 1 to 5 years only. This image gives no age: for a "
                "patient of another age the output is untested.")
    text = run_medapp("predict", "--model", "chest-xray-pneumonia", "--no-explain", str(film), str(film))
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[:2] == [f"model: chest-xray-pneumonia v{version} (medapp {build_id()})",
                         "notice: Demonstration model trained on a small public research dataset. It is not a medical "
                         "device and must not be used for diagnosis or treatment decisions."]
    assert lines[1] == f"notice: {ModelCard.DEMO_NOTICE}"  # the API's parameters.notice, not a second copy
    assert text.stdout.count("notice:") == 1 and text.stdout.count("model:") == 1  # once, not per row
    assert lines[2].endswith(": normal (normal 0.668, pneumonia 0.332)")
    assert [line for line in lines if line.startswith("  warning: ")] == [
        "  warning: The image is unlike the training images (out-of-distribution score 14.9, 99% of training images "
        "score below 14.1). Treat the result with caution.", f"  warning: {untested}"] * 2
    out = run_medapp("predict", "--model", "chest-xray-pneumonia", "--no-explain", "--json", str(film))
    line = json.loads(out.stdout)
    # the build added beside the model's version; the keys integrators read keep their order
    assert list(line) == ["input", "model", "model_version", "medapp", "assessed", "label", "probabilities", "warnings"]
    assert (line["model_version"], line["medapp"]) == (version, build_id())
    assert line["warnings"][1:] == [untested]
    assert "notice" not in out.stdout  # one JSON object a line, nothing else
