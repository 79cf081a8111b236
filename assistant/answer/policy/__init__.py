"""Every judgement about a question and a reply, each a small pure function.

- ``classify``: what kind of question this is (lookup, fact, comparison, topic,
  metadata, follow-up), from its structure.
- ``core_question`` and ``key_concepts``: what the question is about, each content term
  weighted by its rarity in the collection; greetings and requests about the form of the
  answer are not concepts.
- ``judge_relevance``: which retrieved papers cover those concepts well enough to answer
  from; none means abstain, naming the concepts no indexed text mentions.
- ``check_claim``: whether a sentence of the model's reply is supported by a source it
  was given (its numbers there, enough of its words); unsupported sentences are not shown.
- ``comparison_sides``: the things a comparison names, each retrieved for on its own.
- ``is_planted_instruction``: a sentence in the data that addresses the assistant.

The engine asks; this package decides, one module per kind of decision. Each rule has
a table test with the cases where it must say no (tests/test_policy.py).

Abstention is decided by coverage, not spelling: a question is answerable when one
retrieved paper's text holds enough of the weight of its key concepts (calibrated on
eval/dev_questions.jsonl; see Settings.min_coverage). Case, punctuation and phrasing
never decide. A message is read up to its last question (what precedes it sets the
subject, what follows is an afterthought); its kind from the segments that ask. One word
no indexed text holds refuses a question, unless the question describes a paper in many
words the collection knows and a paper covers them (``described``).
"""

from assistant.answer.policy.claims import (
    NUMBER,
    Claim,
    Evidence,
    check_claim,
    numbers,
    support,
)
from assistant.answer.policy.comparison import (
    MOST_SIDES,
    asks_about_one,
    compares_with_the_conversation,
    comparison_sides,
    shared_by_sides,
    shared_name,
    which_of_them,
)
from assistant.answer.policy.concepts import (
    DESCRIBED_COVERAGE,
    NAME_LOOKUP_CONCEPTS,
    RARE_NAME_PASSAGES,
    Concept,
    Relevance,
    asked_names,
    asks_for_the_origin,
    coverage,
    described,
    described_around,
    fully_described,
    held_together,
    introduced_by_none,
    introduced_by_some,
    introduces,
    is_known,
    judge_relevance,
    key_concepts,
    looks_up_a_name,
    mentioned_in_passing,
    missing_concepts,
    name_parts,
    name_test,
    name_words,
    named_in_part,
    named_loosely,
    named_papers,
    named_thing,
    number_like,
    opening_subject,
    states_count,
    subject,
    topic_phrase,
    without_alternatives,
    written,
    written_concepts,
)
from assistant.answer.policy.intent import (
    Intent,
    asks_quantity,
    asks_where_to_get,
    classify,
    core_question,
    counted,
    names_a_listing,
    refers_back,
    without_listing,
)
from assistant.answer.policy.planted import is_directive, is_planted_instruction
from assistant.answer.policy.spelling import correct_typos

__all__ = [
    "DESCRIBED_COVERAGE",
    "MOST_SIDES",
    "NAME_LOOKUP_CONCEPTS",
    "NUMBER",
    "RARE_NAME_PASSAGES",
    "Claim",
    "Concept",
    "Evidence",
    "Intent",
    "Relevance",
    "asked_names",
    "asks_about_one",
    "asks_for_the_origin",
    "asks_quantity",
    "asks_where_to_get",
    "check_claim",
    "classify",
    "compares_with_the_conversation",
    "comparison_sides",
    "core_question",
    "correct_typos",
    "counted",
    "coverage",
    "described",
    "described_around",
    "fully_described",
    "held_together",
    "introduced_by_none",
    "introduced_by_some",
    "introduces",
    "is_directive",
    "is_known",
    "is_planted_instruction",
    "judge_relevance",
    "key_concepts",
    "looks_up_a_name",
    "mentioned_in_passing",
    "missing_concepts",
    "name_parts",
    "name_test",
    "name_words",
    "named_in_part",
    "named_loosely",
    "named_papers",
    "named_thing",
    "names_a_listing",
    "number_like",
    "numbers",
    "opening_subject",
    "refers_back",
    "shared_by_sides",
    "shared_name",
    "states_count",
    "subject",
    "support",
    "topic_phrase",
    "which_of_them",
    "without_alternatives",
    "without_listing",
    "written",
    "written_concepts",
]
