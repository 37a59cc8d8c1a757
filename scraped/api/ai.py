"""Commands of the ai area (declared here, handled in scraped/ai/commands.py)."""

from scraped.api.spec import Arg, Command

CATEGORIES = ("quantitative", "logical", "verbal", "technical", "general")
DIFFICULTIES = ("easy", "medium", "hard")

COMMANDS = [
    Command("ai.generate", "Generate new questions (validated, de-duplicated against the bank, stored "
            "with origin=generated). Without API keys the offline templates write quantitative and "
            "logical questions whose answers are computed.",
            args=(Arg("category", help="question category", choices=CATEGORIES, default="quantitative"),
                  Arg("difficulty", help="easy, medium or hard", choices=DIFFICULTIES, default="medium"),
                  Arg("count", type="int", default=1, minimum=1, maximum=1000, help="how many"),
                  Arg("company", help="tag (and style) the questions for this company"),
                  Arg("seed", type="int", help="seed of the offline templates (reproducible output)")),
            admin=True, timeout=300.0, runbook="POST /api/ai-questions/generate"),
    Command("ai.feedback", "Grade an answer and explain it: option letters, option text and values are "
            "understood; numbers keep their sign and unit (5 km = 5000 m, 5 km != 5 m), grouping "
            "(12,50,000) and exact fractions (0.5 = 1/2 = 50%, 0.3 != 1/3); algebra is compared by value "
            "(x+1 != x-1). Without --correct the bank or the arithmetic checker supplies the answer.",
            args=(Arg("question", required=True, help="the question text"),
                  Arg("answer", required=True, help="the user's answer"),
                  Arg("correct", help="the correct answer (letter, option text or value)"),
                  Arg("options", type="list", help="the options, in order (repeatable)")),
            timeout=30.0, runbook="POST /api/ai-questions/instant-feedback"),
    Command("ai.enhance", "Enhance pending raw questions now (the background worker does it anyway); "
            "--retry-failed first puts failed ones back in the queue; --upgrade has a model redo the "
            "provisional enhancements of the offline rules.",
            args=(Arg("limit", type="int", default=100, minimum=1, maximum=100_000,
                      help="at most this many questions"),
                  Arg("retry_failed", type="bool", default=False, help="retry questions marked failed"),
                  Arg("upgrade", type="bool", default=False,
                      help="redo provisional (offline) enhancements with a model, now")),
            admin=True, timeout=600.0),
    Command("ai.usage", "Requests, tokens and estimated cost per provider per day; today's spend "
            "against the daily budget.",
            args=(Arg("days", type="int", default=7, minimum=1, maximum=366, help="days back"),)),
    Command("ai.providers", "AI providers: configured or not (never the key), model, breaker state, "
            "last success/failure, p50 latency, rate limits, and each task's order.",
            runbook="the runbook's API-key and service checks"),
]
