"""The risk band agrees with the probability shown, on each side of every band boundary of the card.

The band was taken from the probability rounded to a whole percent (0.1971 -> 0.20 -> "intermediate") while the
cohort table and its CSV showed 19.71% and 0.1971 beside "low < 20%". Now the band is the card's rule applied to the
probability itself (one place: `RecordsModel.risk_band`, used by the page, the cohort, the CSV, the API and the CLI),
and a page never rounds a probability across a boundary when it writes it."""
from __future__ import annotations

import io

import pytest

from medapp.analysis import analyse, analyse_batch
from medapp.modalities.records.model import band_of, percent_text, shown_probability
from medapp.registry import load_model
from medapp.ui.records import results_table

EXAMPLE_CSV = ("age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal\n"
               "55,1,4,130,240,0,0,154,0,0.8,1,0,3\n")  # the example patient (the card's medians at the fields' steps)


@pytest.fixture(scope="module")
def heart():
    return load_model("heart-disease")


def bounds(model) -> list[float]:
    return [upper for upper, _ in model.card.input["risk_bands"][:-1]]


def test_bands_come_from_the_card_and_a_bound_belongs_to_the_band_above(heart):
    bands = heart.card.input["risk_bands"]
    names = [name for _, name in bands]
    assert bounds(heart) == [0.2, 0.5]  # the card's bands, as docs/records.md reads them
    for i, b in enumerate(bounds(heart)):
        for p in (b - 1e-9, b - 0.0004, b - 0.003):  # just under: the band below, whatever a rounding would say
            assert heart.risk_band(p) == band_of(p, bands) == names[i]
        for p in (b, b + 1e-9, b + 0.0004, b + 0.003):  # at or just over: the band above
            assert heart.risk_band(p) == band_of(p, bands) == names[i + 1]


@pytest.mark.parametrize("p", [0.1971, 0.1951, 0.19996, 0.199996, 0.2, 0.2004, 0.4951, 0.4996, 0.49999, 0.5, 0.5004,
                               0.0, 0.05, 0.995, 1.0])
def test_the_percentage_written_is_in_the_same_band_as_the_probability(heart, p):
    bands = heart.card.input["risk_bands"]
    band = heart.risk_band(p)
    for decimals in (0, 1, 2):
        text = percent_text(p, bands, decimals)
        assert band_of(float(text.rstrip("%")) / 100, bands) == band, (p, text, band)
        shown = shown_probability(p, bands, decimals)
        assert band_of(round(shown, decimals + 2), bands) == band, (p, shown, band)
        assert abs(shown - p) < 10 ** -(decimals + 2)  # at most one last place away from the probability


def test_just_under_a_boundary_reads_under_it_and_just_over_reads_over_it(heart):
    bands = heart.card.input["risk_bands"]
    assert percent_text(0.1971, bands) == "19.7%"  # was "20%" beside "low < 20%" (and banded intermediate)
    assert percent_text(0.19996, bands) == "19.99%"
    assert percent_text(0.2, bands) == "20%" and percent_text(0.2004, bands) == "20%"
    assert percent_text(0.4996, bands) == "49.96%" and percent_text(0.5004, bands) == "50%"
    assert percent_text(0.35, bands) == "35%" and percent_text(0.0312, bands) == "3%"  # no boundary near: as before
    assert shown_probability(0.19996, bands, 2) == 0.1999  # a table's two places: 19.99%, not 20.00%
    assert shown_probability(0.1971, bands, 2) == 0.1971 and shown_probability(0.20004, bands, 2) == 0.20004


def test_a_table_never_shows_a_certainty_the_model_did_not_give(heart):
    """A review saw "100.0%" in a cohort's table for a probability under 1 (the headline says ">99.9%")."""
    bands = heart.card.input["risk_bands"]
    assert shown_probability(0.99996, bands, 1) == 0.999 and shown_probability(0.00004, bands, 1) == 0.001
    assert shown_probability(0.9996, bands, 0) == 0.99 and shown_probability(0.9994, bands, 1) == 0.9994
    assert shown_probability(1.0, bands, 1) == 1.0 and shown_probability(0.0, bands, 1) == 0.0
    from medapp.ui.case_records import percent_points  # every cohort table's column (records, survival, genomics)

    shown = [f"{v:.1f}%" for v in percent_points([0.99996, 0.9994, 0.5, 0.00004, 1.0, 0.0])]
    assert shown == ["99.9%", "99.9%", "50.0%", "0.1%", "100.0%", "0.0%"]


def test_a_prediction_just_under_and_just_over_a_boundary(heart):
    """The model's own predictions (what the page, the cohort, the API and the CLI hand on) near 20% and 50%."""
    for b in bounds(heart):
        x = heart.example_input()
        under, over = heart._prediction(b - 0.0003, x), heart._prediction(b + 0.0003, x)
        assert under.risk_band != over.risk_band
        assert under.risk_band == band_of(b - 0.0003, heart.card.input["risk_bands"])
        assert float(percent_text(b - 0.0003, heart.card.input["risk_bands"]).rstrip("%")) < b * 100


def test_the_example_patient_is_low_everywhere(heart):
    """The reviewer's case: 19.71% shown as "intermediate" in the cohort and its CSV (bands low < 20%); the example is
    19.81% since its values are at the fields' steps (thalach 154, not the median 153.5)."""
    single = analyse(heart, heart.example_input(), use_cache=False).prediction
    p = single.probability_of("present")
    assert 0.19 < p < 0.2 and single.risk_band == "low"
    cohort = heart.validate_cohort(EXAMPLE_CSV.encode(), "hd_example.csv")
    batch = analyse_batch(heart, heart.cohort_inputs(cohort, "hd_example.csv"))
    assert batch.analysed[0].prediction.risk_band == "low"
    table = results_table(heart, cohort, batch)
    buf = io.StringIO()
    table.to_csv(buf, index=False)
    row = buf.getvalue().splitlines()[1].split(",")
    header = buf.getvalue().splitlines()[0].split(",")
    assert abs(float(row[header.index("probability")]) - p) < 1e-12 and row[header.index("risk band")] == "low"
    assert single.flat_details()["risk_band"] == "low"  # what the API's details carry
