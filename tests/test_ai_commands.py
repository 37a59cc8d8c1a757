"""The ai.* commands and `health ai_services` through a real daemon and its control socket,
with the real SDKs talking to local provider servers (fake: only the providers' accounts
and the internet). Keys come from systemd-style credential files, so a test can rotate one
and send SIGHUP."""

from __future__ import annotations

import json
import signal

import pytest

from tests.daemon_harness import DaemonProcess
from tests.fake_providers import KEY, FakeProvider, ai_settings

pytestmark = pytest.mark.slow


@pytest.fixture
def fakes():
    servers = {k: FakeProvider(k) for k in ("gemini", "groq")}
    yield servers
    for s in servers.values():
        s.close()


def _daemon(tmp_path, fakes, **ai):
    creds = tmp_path / "creds"
    creds.mkdir(exist_ok=True)
    (creds / "GEMINI_API_KEY").write_text(KEY)
    (creds / "GROQ_API_KEY").write_text(KEY)
    env = {"CREDENTIALS_DIRECTORY": str(creds), "GEMINI_API_KEY": "", "GROQ_API_KEY": "",
           "HUGGINGFACE_API_TOKEN": ""}
    config = {"ai": ai_settings(fakes, order=("gemini", "groq", "offline"), **ai)}
    return DaemonProcess(tmp_path, config, env=env), creds


def test_commands_through_the_daemon_never_show_a_key(tmp_path, fakes):
    d, _ = _daemon(tmp_path, fakes)
    with d:
        replies = []
        providers = d.call("ai.providers")
        replies.append(providers)
        assert providers["providers"]["gemini"]["configured"] is True
        assert providers["providers"]["huggingface"]["configured"] is False
        assert providers["order"]["enhance"][0] == "gemini:gemini-3.1-flash-lite"
        gen = d.call("ai.generate", category="quantitative", difficulty="easy", count=2, company="google")
        replies.append(gen)
        assert gen["generated"] == 2 and gen["providers"][0] == "gemini"
        assert all(q["origin"] == "generated" and q["company_tags"] == ["google"] for q in gen["questions"])
        fb = d.call("ai.feedback", question="What is 2+2?", answer="B", options=["3", "4"])
        replies.append(fb)
        assert fb["correct"] is True and fb["provider"] == "gemini"
        health = d.call("health", component="ai_services")
        replies.append(health)
        assert health["status"] == "healthy" and health["providers"]["gemini"]["last_success_at"]
        assert health["providers"]["gemini"]["p50_ms"] is not None
        usage = d.call("ai.usage")
        replies.append(usage)
        assert any(r["provider"] == "gemini" and r["tokens_in"] > 0 for r in usage["rows"])
        out = d.ctl("ai", "generate", "--category", "logical", "--count", "1")
        assert out.returncode == 0 and "generated 1 of 1" in out.stdout
        out = d.ctl("ai", "feedback", "--question", "What is 0.5 + 0.25?", "--answer", "3/4", "--correct", "75%")
        assert out.returncode == 0 and "CORRECT" in out.stdout
        replies.append(d.call("config.show"))
    for text in [json.dumps(r, default=str) for r in replies] + [d.log()]:
        assert KEY not in text


def test_key_rotation_on_sighup_without_restart(tmp_path, fakes):
    d, creds = _daemon(tmp_path, fakes, enhance_order=["groq"], generate_order=["groq"],
                       feedback_order=["groq"])
    with d:
        pid = d.proc.pid
        d.call("ai.feedback", question="What is 1+1?", answer="2", correct="2")
        assert fakes["groq"].requests[-1].headers["authorization"] == f"Bearer {KEY}"
        (creds / "GROQ_API_KEY").write_text("test-key-rotated-789")
        d.send_signal(signal.SIGHUP)
        d.wait_until(lambda: "config reloaded" in d.log(), timeout=15)
        d.call("ai.feedback", question="What is 1+2?", answer="3", correct="3")
        assert fakes["groq"].requests[-1].headers["authorization"] == "Bearer test-key-rotated-789"
        assert d.proc.pid == pid
    assert "test-key-rotated-789" not in d.log() and KEY not in d.log()


def test_offline_only_daemon_serves_every_ai_command(tmp_path):
    with DaemonProcess(tmp_path, env={"GEMINI_API_KEY": "", "GROQ_API_KEY": "", "HUGGINGFACE_API_TOKEN": ""}) as d:
        health = d.call("health", component="ai")
        assert health["status"] == "healthy" and "offline provider only" in health["reason"]
        gen = d.call("ai.generate", category="logical", difficulty="hard", count=3)
        assert gen["generated"] == 3 and gen["providers"] == ["offline"]
        assert d.call("ai.feedback", question="What is 25% of 80?", answer="20")["correct"] is True
        assert d.call("ai.enhance", limit=5)["claimed"] == 0
        for bad in ({"category": "astrology"}, {"count": 0}, {"count": "3"}):
            with pytest.raises(Exception, match="must"):
                d.call("ai.generate", **bad)
        with pytest.raises(Exception, match="required"):
            d.call("ai.feedback", question="What is 2+2?")
        with pytest.raises(Exception, match="empty"):
            d.call("ai.feedback", question="  ", answer="4")
