"""Commands of the question bank (declared here, handled in scraped/bank/commands.py)."""

from scraped.api.spec import Arg, Command
from scraped.bank.lifecycle import BANKS, DEFAULT_BANK, LEVELS, STATES
from scraped.bank.vocab import CATEGORIES, DIFFICULTIES

_BANK = Arg("bank", choices=BANKS, default=DEFAULT_BANK,
            help="enhanced: the verified bank (default); raw: as scraped; all: both, each question once")
_FILTERS = (
    _BANK,
    Arg("category", help=f"only this category ({', '.join(CATEGORIES)}; any case, or a site's "
        "spelling such as 'Quantitative aptitude')"),
    Arg("difficulty", help=f"only this difficulty ({', '.join(DIFFICULTIES)}; any case)"),
    Arg("company", help="only questions tagged with this company (any case)"),
    Arg("job", help="only questions found by this job id"),
    Arg("search", help="text the question contains (case-insensitive)"),
    Arg("verified", type="bool", help="only answers an independent check chose (recomputed, "
        "solved-and-agrees)"),
    Arg("quarantined", type="bool", help="only disputed questions (page key and solve disagree), for review"),
    Arg("level", choices=LEVELS, help="only this verification level"),
    Arg("provisional", type="bool", help="only questions the offline rules enhanced (provisional: a "
        "model redoes them when one answers)"),
    Arg("origin", choices=("scraped", "generated"), help="only scraped or only generated questions"),
    Arg("enhancement", choices=STATES, help="with --bank raw: only this enhancement state"),
)

COMMANDS = [
    Command("questions.list", "Questions of the bank, newest first (quarantined ones only with "
            "--quarantined).",
            args=(*_FILTERS,
                  Arg("limit", type="int", default=20, minimum=1, maximum=1000, help="at most this many"),
                  Arg("skip", type="int", default=0, minimum=0, help="skip this many first")),
            runbook="db.enhanced_questions.find(...)"),
    Command("questions.count", "How many questions match (and how many are quarantined), with a "
            "breakdown.",
            args=(*_FILTERS,
                  Arg("by", help="break down by this field",
                      choices=("category", "difficulty", "level", "provider", "origin", "provisional", "state",
                               "job", "job_id", "enhancement.state"))),
            runbook="db.enhanced_questions.countDocuments(...)"),
    Command("questions.show", "One question: the text, options and answer, its sources, the provider "
            "and model, and every check with its result.",
            args=(Arg("id", help="question key (or a unique prefix of at least 8 characters)",
                      required=True, positional=True),
                  Arg("bank", choices=BANKS, default="all",
                      help="where to look (default all: the enhanced bank, then the raw questions)")),
            runbook="db.enhanced_questions.findOne(...)"),
    Command("questions.export", "Export questions as JSONL or CSV, streamed (any bank size); "
            "redirect stdout to a file. Quarantined questions only with --quarantined.",
            args=(*_FILTERS,
                  Arg("format", default="jsonl", choices=("jsonl", "csv"), help="output format"),
                  Arg("limit", type="int", minimum=1, help="at most this many")),
            stream=True, timeout=None, runbook="mongoexport --collection enhanced_questions"),
]
