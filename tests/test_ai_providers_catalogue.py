"""The model catalogue (scraped/ai/catalogue.toml): it loads, prices, and warns by date."""

from __future__ import annotations

from datetime import date

import pytest

from scraped.ai import catalogue
from scraped.config import parse_config


def ai(**table):
    return parse_config({"ai": table}).ai


def test_every_default_model_is_catalogued_priced_and_current():
    cfg = ai()
    for name in ("gemini", "groq", "huggingface"):
        info = catalogue.lookup(name, cfg.provider(name).model)
        assert info is not None and info.price_in is not None and info.price_out is not None, name
        assert not info.retired(date(2026, 12, 3)), name


def test_the_models_the_issue_found_retired_are_retired():
    for name, model in (("gemini", "gemini-2.5-flash"), ("groq", "llama-3.3-70b-versatile")):
        info = catalogue.lookup(name, model)
        assert info is not None and info.retired(date(2026, 12, 3)) and info.replacement


def test_prices_per_token_and_the_config_override():
    assert catalogue.price("gemini", "gemini-3.1-flash-lite", ai().gemini) == (0.25e-6, 1.5e-6)
    assert catalogue.price("groq", "openai/gpt-oss-120b", ai().groq) == (0.15e-6, 0.6e-6)
    assert catalogue.price("huggingface", "meta-llama/Llama-3.1-8B-Instruct", ai().huggingface) is None
    assert catalogue.price("groq", "no-such-model", ai().groq) is None
    priced = ai(groq={"cost_input_per_1k": 0.002, "cost_output_per_1k": 0.004}).groq
    assert catalogue.price("groq", "no-such-model", priced) == (0.002e-3, 0.004e-3)
    # A local server's own models cost nothing a token unless its config says so (a paid proxy).
    assert catalogue.price("openai_compat", "llama3.2", ai().openai_compat) == (0.0, 0.0)
    paid = ai(openai_compat={"cost_output_per_1k": 0.01}).openai_compat
    assert catalogue.price("openai_compat", "llama3.2", paid) == (0.0, 0.01e-3)
    assert catalogue.model_warnings([("openai_compat", "llama3.2")], ai(daily_budget=1.0), date(2026, 12, 3)) == \
        ([], [])


def test_warnings_by_date():
    cfg = ai()
    entries = [("gemini", "gemini-3.1-flash-lite")]
    assert catalogue.model_warnings(entries, cfg, date(2026, 12, 3)) == ([], [])
    soon = catalogue.model_warnings(entries, cfg, date(2027, 4, 20))
    assert soon == ([], ["gemini:gemini-3.1-flash-lite shuts down on 2027-05-07 (17 days)"])
    gone = catalogue.model_warnings(entries, cfg, date(2027, 5, 7))
    assert gone == (["gemini:gemini-3.1-flash-lite was shut down on 2027-05-07"], [])


@pytest.mark.parametrize("text, error", [
    ('[[model]]\nprovider = "x"\n', "KeyError"),
    ('[[model]]\nprovider = "x"\nmodel = "m"\nprice_in = 1.0\nprice_out = 1.0\nthinking_billed = false\n'
     'context_window = 1\nmax_output = 1\nstructured = "xml"\n', "structured must be one of"),
    ('[[model]]\nprovider = "x"\nmodel = "m"\nprice_in = 1.0\nprice_out = 1.0\nthinking_billed = false\n'
     'context_window = 1\nmax_output = 1\nstructured = "json_object"\nshutdown = "soon"\n', "ValueError"),
])
def test_a_bad_entry_is_named(text, error):
    with pytest.raises(ValueError, match=r"catalogue model\[0\]: .*" + error):
        catalogue.parse(text)
