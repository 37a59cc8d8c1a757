"""The question bank: the one owner of question documents from raw to enhanced.

    vocab.py      canonical categories and difficulties, and the spellings sites use
    lifecycle.py  collection names, enhancement states, verification levels, quality
    intake.py     the engine hands extracted questions here (raw, canonicalised)
    accept.py     the AI layer hands enhancements here (levels earned by checks)
    query.py      the questions commands' filters, per bank
    records.py    list rows, JSONL records, CSV rows
    commands.py   the questions commands (declared in scraped/api/bank.py)
"""
