"""Routing: which team owns each mention, how sure we are, and what goes to triage.

    rules.py        taxonomy phrases -> categories, and the team when the rules are sure
    corpus.py       the labelled corpus (config/routing_corpus/*.csv) and the corrections file
    model.py        the learned router, trained from the corpus, cached by its content hash
    router.py       rules first, the model for the rest, confidence, second team, triage
"""

from tasks.routing.router import route

__all__ = ["route"]
