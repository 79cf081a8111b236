"""The answering engine: retrieve, decide (policy.py), choose evidence, generate, verify."""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from langchain_core.runnables import Runnable, RunnableLambda

from assistant.answer import policy
from assistant.answer.citations import Citation
from assistant.answer.claims import ClaimWriter
from assistant.answer.evidence import Budget, Source, listed_sources, select_evidence
from assistant.answer.history import (
    Message,
    asked_about,
    prose_history,
    retrieval_query,
    trim_history,
)
from assistant.answer.metadata import asked_fields, metadata_answer
from assistant.answer.policy import Intent
from assistant.answer.prompts import (
    CANNOT_COMPARE,
    NOT_FOUND,
    Prompts,
    not_about_text,
    not_found_text,
    scope_note,
)
from assistant.answer.result import Answer
from assistant.config import Settings
from assistant.index.chunking import count_tokens
from assistant.index.embeddings import common_words
from assistant.index.removals import remove_papers, restore_papers
from assistant.index.store import PaperIndex
from assistant.retrieval.hybrid import HybridSearch, PaperHit, fuse, owned_names
from assistant.retrieval.scope import Scope
from assistant.text import WORD, build_vocabulary, singular, tokenize

# A sentence an answer quoted from a paper: '"... 15.6x speed-up ratio ..." [1]'.
QUOTED_SENTENCE = re.compile(r'"([^"\n]{20,})"\s*\[\d+\]')


class ChatModel(Protocol):
    name: str

    def count_tokens(self, text: str) -> int: ...

    def stream_chat(
        self, messages: list[Message], max_tokens: int, temperature: float
    ) -> Iterator[str]: ...

    @property
    def context_tokens(self) -> int: ...

    def describe(self) -> dict[str, Any]: ...


# The evidence each kind of question is given (the prompt is what a CPU waits for: about
# 0.7 s per 100 tokens here): a fact or a follow-up, the two sentences that answer it best
# (the quote that opens the answer shows the best one at once; on the dev set, two instead
# of three cost one fact's keyword and one follow-up, and cut the median fresh prompt from
# 201 to 150 tokens); a comparison, two from each paper compared. A lookup's titles and
# quote, and a listing's quoted papers, answer them without the model.
EVIDENCE = {
    Intent.FACT: Budget(sentences=2, spread=False),
    Intent.FOLLOW_UP: Budget(sentences=2, spread=False),
    Intent.COMPARISON: Budget(per_paper=2),
    Intent.TOPIC: Budget(per_paper=1),
    Intent.LOOKUP: Budget(per_paper=1),
}


# The questions whose rare names must be in the paper that answers (policy.asked_names).
NAMES_CHECKED = {Intent.FACT}
# A question of fact or a follow-up asking how many: a paper must count what it counts.
COUNTS_CHECKED = {Intent.FACT, Intent.FOLLOW_UP}


class Engine:
    """Answers questions over one index with one model (loaded on first use, then reused).

    Safe to share between threads (the UI serves several browser tabs): searches run side
    by side, while the model writes one answer at a time, the others waiting their turn.
    """

    def __init__(
        self,
        settings: Settings,
        index: PaperIndex,
        search: HybridSearch,
        model_factory: Callable[[], ChatModel],
        prompts: Prompts | None = None,
    ) -> None:
        self.settings = settings
        self.index = index
        self.search = search
        self.prompts = prompts or Prompts()
        self._model_factory = model_factory
        self._model: ChatModel | None = None
        self._loading = threading.Lock()
        # llama.cpp contexts are not thread-safe, and one CPU gains nothing from two
        # answers at once: generation takes this lock, held until the answer is written.
        self._generating = threading.Lock()

    @property
    def model(self) -> ChatModel:
        with self._loading:
            if self._model is None:
                self._model = self._model_factory()
            return self._model

    @property
    def model_busy(self) -> bool:
        """Whether the model is writing an answer now (a new one would wait for it)."""
        return self._generating.locked()

    def relevance(
        self,
        question: str,
        hits: list[PaperHit],
        intent: Intent = Intent.FACT,
        written_in: str = "",
    ) -> policy.Relevance:
        """Which retrieved papers cover the question's key concepts (policy.py decides);
        a topic listing keeps every one that does, up to ``listing_papers``.
        ``written_in``: where a missing thing must be written (policy.judge_relevance)."""
        about = policy.subject(question, intent)
        concepts = self._concepts(about)
        relevance = self._judged(about, hits, intent, written_in)
        if intent is Intent.TOPIC and relevance.missing and not relevance.papers:
            # A listing of alternatives asks for papers on any of them: "llm safety &
            # jailbreak-ish papers?" is answered with the safety papers, after saying that
            # no paper mentions jailbreaks.
            held = policy.without_alternatives(about, relevance.missing)
            if held and (others := self._judged(held, hits, intent)).papers:
                relevance = dataclasses.replace(others, missing=relevance.missing)
        thing = policy.named_thing(question) if intent is Intent.FACT else ""
        if thing and relevance.papers:
            # The paper that introduced the thing named answers first: "whats the clip
            # paper's zero-shot result?" is CLIP's, not Selfie's ImageNet one.
            introduced = self.search.introduced_words([h.paper_id for h in relevance.papers])
            first = sorted(
                relevance.papers,
                key=lambda hit: not policy.introduces(thing, introduced.get(hit.paper_id, set())),
            )
            relevance = dataclasses.replace(relevance, papers=first)
        topic = policy.topic_phrase(question) if intent in (Intent.TOPIC, Intent.LOOKUP) else ""
        if topic and relevance.papers and (absent := self._absent_topic(topic, relevance)):
            return absent
        opening = policy.opening_subject(about) if intent is Intent.FACT else ""
        if (
            opening
            and relevance.papers
            and (absent := self._absent_subject(opening, about, relevance))
        ):
            return absent
        if (
            thing
            and not policy.asks_for_the_origin(question)
            and (
                policy.described(relevance.concepts, relevance.best_coverage)
                or policy.fully_described(relevance.concepts, relevance.best_coverage)
            )
        ):
            thing = ""  # "the OVM verifier paper evaluated on gsm8k and ...": described
        if intent is Intent.METADATA and not relevance.papers and not relevance.missing:
            # The record answers when the question names its paper, however short the
            # question ("are ASFT and PoFT from the same day's listing?" covers each
            # paper by half, and embeds far from both): every paper found may be named.
            relevance = dataclasses.replace(relevance, papers=list(hits))
        if relevance.papers and (thing or intent in (Intent.LOOKUP, Intent.METADATA)):
            if intent is not Intent.METADATA:  # a lookup, or "what did the X paper find?"
                # The verb of introducing stays in a lookup; "the llama 2 paper" must be
                # introduced by some paper.
                asked = question if intent is Intent.LOOKUP else f"introducing {thing}"
                ids = [hit.paper_id for hit in hits]
                introduced = self.search.introduced_words(ids)
                if intent is not Intent.LOOKUP and len(policy.name_words(thing)) >= 2:
                    # "the X paper" may name it by words of its title: "natural instructions
                    # (the crowdsourcing instructions paper)" is "Cross-Task Generalization
                    # via Natural Language Crowdsourcing Instructions". (A name of one word
                    # is introduced whole: "the original bert paper" is not Mirror-BERT's.)
                    naming = self.search.naming_words(ids)
                    introduced = {i: introduced[i] | naming.get(i, set()) for i in introduced}
                name = policy.introduced_by_none(
                    concepts,
                    introduced,
                    asked,
                    common_words(),
                    self._asked_names(concepts),
                    whole=bool(thing) and policy.asks_for_the_origin(question),
                )
            else:  # a paper's record answers only when the question names that paper
                ids = [hit.paper_id for hit in relevance.papers]
                naming = self.search.naming_words(ids)
                words = self.search.paper_words(ids)
                # Each thing the question names, its paper ("are ASFT and PoFT from the
                # same day's listing?"); else the paper the question names as a whole.
                named = []
                for part in policy.name_parts(about):
                    found = policy.named_papers(
                        self._concepts(part), relevance.papers, naming, words
                    )
                    named += [hit for hit in found[:1] if hit not in named]
                if len(named) < 2:
                    named = policy.named_papers(concepts, relevance.papers, naming, words)
                if not named:  # "is helpsteer2 from ... the oct 9 batch? and drop the link"
                    named = policy.named_loosely(
                        concepts, relevance.papers, naming, words, self._asked_names(concepts)
                    )
                relevance = dataclasses.replace(relevance, papers=named)
                # Named as the question writes the words that could name a paper.
                name = "" if named else policy.written_concepts(concepts, about)
            if name:
                return policy.Relevance([], [], relevance.best_coverage, name, tuple(concepts))
        return relevance

    def _judged(
        self, about: str, hits: list[PaperHit], intent: Intent, written_in: str = ""
    ) -> policy.Relevance:
        """policy.judge_relevance of ``about`` over ``hits``, with the engine's settings."""
        concepts = self._concepts(about)
        return policy.judge_relevance(
            about,
            hits,
            self.search.paper_words([hit.paper_id for hit in hits]),
            concepts,
            min_coverage=self.settings.min_coverage,
            min_similarity=self.settings.min_similarity,
            similarity_margin=self.settings.similarity_margin,
            limit=(
                self.settings.listing_papers
                if intent is Intent.TOPIC
                else self.settings.answer_papers
            ),
            names=self._asked_names(concepts) if intent in NAMES_CHECKED else frozenset(),
            written_in=written_in,
        )

    def _named_first(self, question: str, papers: list[PaperHit]) -> list[PaperHit]:
        """``papers`` with those holding a rare name the question itself writes first: "and
        OVM, anything notable about its GSM8K result?" after a turn about TVM is about OVM."""
        names = self._asked_names(self._concepts(policy.core_question(question)))
        if not names:
            return papers
        words = self.search.paper_words([hit.paper_id for hit in papers])
        return sorted(
            papers,
            key=lambda hit: not any(policy.is_known(n, words[hit.paper_id]) for n in names),
        )

    def _introducing(self, question: str, hits: list[PaperHit]) -> list[PaperHit]:
        """The papers among ``hits`` that introduce a name the comparison sets against the
        conversation's paper ("and chimed-gpt, how does it differ?"); a description ("...
        compared to segmenting zebra stripes?") names no paper to bring in."""
        names = [side for side in policy.comparison_sides(question) if len(WORD.findall(side)) <= 2]
        introduced = self.search.introduced_words([hit.paper_id for hit in hits])
        return [
            hit
            for hit in hits
            if any(policy.introduces(name, introduced.get(hit.paper_id, set())) for name in names)
        ]

    def _absent_topic(self, topic: str, relevance: policy.Relevance) -> policy.Relevance | None:
        """The not-found relevance when the topic a listing or a lookup asks papers on is
        not what the papers found are about: a word of it no indexed text holds ("kv" of
        "kv cache compression"), or its rarest word, when few passages hold it, in none of
        them ("federated" of "federated learning") or beside none of its other words; else
        None."""
        concepts = self._concepts(topic)
        # Its words, a version or size left out ("3d point cloud segmentation": three).
        written = [w for w in WORD.findall(topic) if tokenize(w) and not policy.number_like(w)]
        if not concepts or len(written) > policy.NAME_LOOKUP_CONCEPTS:
            return None  # a paper described, not a topic named
        if unseen := [c.term for c in concepts if not c.known]:
            return _not_found(relevance, missing=[policy.written(unseen[0], topic)])
        rarest = max(concepts, key=lambda c: c.weight)
        if not self._is_rare_name(rarest.term):
            return None  # a word many papers hold ("llm") is how they write, not a topic
        papers = relevance.papers
        if len(concepts) > 1:
            # A topic of several words is held where a paper writes them together: a rare
            # one beside another in one sentence ("a speculative insight into ... LLMs" is
            # no paper on speculative decoding).
            rare = [c.term for c in concepts if self._is_rare_name(c.term)]
            terms = [c.term for c in concepts]
            holding = [
                hit
                for hit in papers
                if policy.held_together(rare, terms, self.search.paper_text(hit.paper_id))
            ]
        else:
            words = self.search.paper_words([hit.paper_id for hit in papers])
            holding = [hit for hit in papers if policy.is_known(rarest.term, words[hit.paper_id])]
        if not holding:
            return _not_found(relevance, unmatched=policy.written(rarest.term, topic))
        return None

    def _absent_subject(
        self, subject: str, question: str, relevance: policy.Relevance
    ) -> policy.Relevance | None:
        """The not-found relevance when the subject a message opens with ("llava: how did
        they ...?", "whisper: how many hours ...?") is not in the answering papers: a
        question of it follows and no indexed text holds any of its words, or a rare name
        of it is in none of ``relevance.papers``; else None. However well the rest
        describes a paper, the subject is what is asked about, not how it is measured
        (policy.described lets such a name pass: "... evaluated on gsm8k")."""
        concepts = self._concepts(subject)
        asked_of = subject == policy.opening_subject(question, asked_of=True)
        if asked_of and concepts and not any(concept.known for concept in concepts):
            return _not_found(relevance, missing=[subject])
        papers = relevance.papers
        words = self.search.paper_words([hit.paper_id for hit in papers])
        for name in sorted(self._asked_names(concepts)):
            if not any(policy.is_known(name, words[hit.paper_id]) for hit in papers):
                return _not_found(relevance, unmatched=policy.written(name, subject))
        return None

    def spelled(self, question: str) -> str:
        """The question with typos of its asking words set right ("whcih" → "which")."""
        vocabulary = self.search.vocabulary
        return policy.correct_typos(
            question,
            lambda word: policy.is_known(word, vocabulary),
            common_words(),
            vocabulary.__contains__,
            vocabulary,
        )

    def find(
        self, question: str, k: int | None = None, scope: Scope | None = None
    ) -> list[PaperHit]:
        """Citation lookup: ranked papers at once, no model involved (within ``scope``)."""
        question = self.spelled(question)
        intent = policy.classify(question)
        selection = self.search.select(scope)
        return self.search.search(
            policy.core_question(question),
            k,
            introduced=_ranks_by_introduction(intent, question),
            within=selection.paper_ids if selection else None,
        )

    def ask(self, question: str, history: list[Message] | None = None, **options: Any) -> Answer:
        """The final answer to ``question``; ``options`` as for ``stream``."""
        answer = None
        for item in self.stream(question, history, **options):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def _retrieve(
        self,
        question: str,
        history: list[Message],
        intent: Intent,
        k: int,
        within: frozenset[str] | None = None,
        last_answer: str = "",
    ) -> list[PaperHit]:
        """Papers for the asking part of the question (only papers ``within`` when given);
        a follow-up also searches with the conversation's words, and both rankings are
        fused, with the paper ``last_answer`` quoted first: "it"."""
        listing = intent in (Intent.LOOKUP, Intent.TOPIC)  # "introduced" helps the embedder
        core = policy.core_question(question) if listing else policy.subject(question, intent)
        introduced = _ranks_by_introduction(intent, question)
        hits = self.search.search(core, k, introduced=introduced, within=within)
        if history and (intent is Intent.FOLLOW_UP or policy.refers_back(question)):
            # The papers the conversation is about come first; the question's own
            # words still bring in others, at half the weight.
            query = retrieval_query(core, history, follows=True)
            contextual = self.search.search(query, k, within=within)
            rankings, weights = [contextual, hits], [1.0, 0.5]
            last = self._quoted_last(last_answer) or self._talked_about(history, within)
            if last is not None and (within is None or last.paper_id in within):
                rankings.append([last])
                weights.append(1.0)
            hits = fuse(rankings, k, self.settings.rrf_k, weights=tuple(weights))
        return hits

    def _quoted_last(self, last_answer: str) -> PaperHit | None:
        """The paper whose sentence ``last_answer`` quoted first, found by that sentence in
        its abstract: what a follow-up's "it" points at. After a listing led by AfroLM whose
        next reply named Okapi, "and which models does it beat?" had drifted to Okapi."""
        found = QUOTED_SENTENCE.search(last_answer)
        if not found:
            return None
        sentence = " ".join(found.group(1).split())
        hits = self.search.search(sentence, 3)
        records = self.index.papers([hit.paper_id for hit in hits])
        for hit in hits:
            abstract = records.get(hit.paper_id, {}).get("abstract", "")
            if sentence in " ".join(abstract.split()):
                return hit
        return None

    def _talked_about(
        self, history: list[Message], within: frozenset[str] | None
    ) -> PaperHit | None:
        """The paper the last turn was about, when its answer quotes none: the first that
        the user's earlier questions are relevant to, found with their words and the last
        reply's ("what hardware do you need to fine-tune it?" after "what is label
        supervised llama?" and a reply naming LS-LLaMA)."""
        earlier = asked_about("", history, follows=True).strip()
        if not earlier:
            return None
        query = retrieval_query("", history, follows=True)
        hits = self.search.search(query, self.settings.top_k, within=within)
        papers = self.relevance(earlier, hits).papers
        return papers[0] if papers else None

    def _continues(
        self, question: str, history: list[Message], within: frozenset[str] | None
    ) -> bool:
        """Whether a question with no word pointing back ("it", "they") still continues
        the conversation, decided by evidence: the papers the conversation was about
        cover what it asks ("did hard negative sampling help there?" after a question on
        ECtHR-PCR), or no paper answers it on its own ("what were the gains on the
        underrepresented stuff?"). A question some other paper answers better starts
        anew ("how much data was CLIP trained on?" after a talk about SPIN)."""
        earlier = asked_about("", history, follows=True).strip()
        if not earlier:
            return False
        k = self.settings.top_k
        talked_about = self.relevance(earlier, self.search.search(earlier, k, within=within))
        ids = [hit.paper_id for hit in talked_about.papers[: self.settings.answer_papers]]
        about = policy.subject(question, Intent.FACT)
        concepts = self._concepts(about)
        words = self.search.paper_words(ids)
        if any(policy.coverage(concepts, words[i]) >= self.settings.min_coverage for i in ids):
            return True
        alone = self.search.search(about, k, within=within)
        return not self.relevance(question, alone).papers

    def _in_passing(self, question: str, relevance: policy.Relevance, source: Source) -> str:
        """The rare name a question of fact asks about that the answering paper (its
        evidence ``source``) only mentions in passing, as the question writes it; "" when
        the paper is about it."""
        concepts = list(relevance.concepts)
        thing = policy.named_thing(question)
        # A paper named by its title is the paper asked about, whatever name it mentions
        # ("ClinicLLM ... in the healthcare generalization paper", "simclrv2 'big
        # self-supervised models' paper": "Big Self-Supervised Models are Strong ...").
        thing_names = self._asked_names(self._concepts(thing)) if thing else set()
        rest = [term for term in tokenize(thing) if singular(term) not in thing_names]
        title = build_vocabulary([source.title()])
        if rest and all(policy.is_known(term, title) for term in rest):
            return ""
        if policy.fully_described(relevance.concepts, relevance.best_coverage):
            return ""  # the paper holds all the question asks ("simclrv2 paper: ...?")
        if policy.described(relevance.concepts, relevance.best_coverage):
            # The question describes its paper; a name is how it is measured, unless it
            # names the paper asked about ("the instructgpt paper, training language
            # models to follow instructions ...": one mentioned in passing does not answer).
            concepts = self._concepts(thing) if thing else []
        names = self._asked_names(concepts)
        if not names:
            return ""
        paper_id = source.hit.paper_id
        held = Counter(singular(t) for t in tokenize(f"{source.title()} {source.abstract}"))
        naming = self.search.naming_words([paper_id]).get(paper_id, set())
        naming |= build_vocabulary(owned_names(source.abstract))
        rare = {c.term for c in concepts if self._is_rare_name(c.term)}
        name = policy.mentioned_in_passing(names, naming, lambda term: held[term], rare)
        return policy.written(name, question) if name else ""

    def _asked_names(self, concepts: list[policy.Concept]) -> set[str]:
        return policy.asked_names(concepts, self._is_rare_name, common_words())

    def _is_rare_name(self, term: str) -> bool:
        return self.search.is_rare(term, at_most=policy.RARE_NAME_PASSAGES)

    def _concepts(self, about: str) -> list[policy.Concept]:
        return policy.key_concepts(
            about,
            self.search.term_weight,
            self.search.vocabulary,
            self.search.rarest_weight,
            common_words(),
        )

    def _sides(
        self, question: str, within: frozenset[str] | None = None
    ) -> tuple[list[PaperHit], list[str]]:
        """For a comparison: the best paper for each thing compared, and the things no
        paper covers."""
        found: list[PaperHit] = []
        absent: list[str] = []
        if name := policy.shared_name(question):  # "two papers called SPO": each one
            hits = self.search.search(name, self.settings.top_k, introduced=True, within=within)
            introduced = self.search.introduced_words([hit.paper_id for hit in hits])
            named = [
                hit
                for hit in hits
                if policy.is_known(name.lower(), introduced.get(hit.paper_id, set()))
            ]
            if len(named) >= 2:
                return named[: policy.MOST_SIDES], []
        shared = policy.shared_by_sides(question)
        sides = policy.comparison_sides(question)
        # "the original one" of "the three weak-to-strong papers": found after the others.
        named = [side for side in sides if not policy.which_of_them(side, shared)]
        for side in named:
            query = f"{side} {shared}" if shared else side
            hits = self._side_hits(side, query, within)
            relevance = self.relevance(side, hits)
            papers = relevance.papers
            # A side written with a word no text holds ("'debate helps w2s'") is found by
            # its other words when they cover it as a description would (policy.described).
            if (
                not papers
                and relevance.missing
                and relevance.best_coverage >= policy.DESCRIBED_COVERAGE
            ):
                words = self.search.paper_words([hit.paper_id for hit in hits])
                papers = [
                    max(hits, key=lambda h: policy.coverage(relevance.concepts, words[h.paper_id]))
                ]
            # A side named with a word no text holds beside words that one title alone
            # holds ("the 'w2s beyond accuracy' pilot study", "oasst conversations"): that
            # paper. One the rest of whose words many titles hold ("kto (kahneman-tversky
            # optimization)") stays missing.
            if not papers and relevance.missing:
                unseen = {word for phrase in relevance.missing for word in tokenize(phrase)}
                held = set(tokenize(side)) - unseen
                titled = self.search.titled(held, within) if held else []
                if len(titled) == 1:
                    only = frozenset(titled)
                    papers = self.search.search(side, 1, within=only)
            # A side of several words its title holds goes to that paper first: "weak-to-
            # strong beyond accuracy" is "Weak-to-Strong Generalization beyond Accuracy:
            # ...", not the weak-to-strong paper ranked above it. (A one-word name is found
            # by who introduced it: "clip" is not "Enhancing CLIP with CLIP".)
            if len(wanted := set(tokenize(side))) >= 2:
                papers = sorted(papers, key=lambda hit: not wanted <= set(tokenize(hit.title)))
            # Each side is another paper: "the debate paper" and "the original openai
            # weak-to-strong generalization setup" both find Debate first.
            taken = {hit.paper_id for hit in found}
            # Missing is said only of a side with a word no text holds; one whose words
            # the collection all holds but no paper covers ("get away") was misread as a
            # side, and is left out rather than reported missing.
            if not papers and relevance.missing:
                absent.append(side)
            elif paper := next((hit for hit in papers if hit.paper_id not in taken), None):
                found.append(paper)
        if absent and found:
            # A side of alternatives ("w2v-bert vs hubert / wav2vec2") that a paper found
            # for another side itself speaks of ("compared to ... wav2vec 2.0 and HuBERT")
            # is compared there, though one alternative is written as no text writes it.
            words = self.search.paper_words([hit.paper_id for hit in found])

            def spoken_of(side: str) -> bool:
                alternatives = [terms for part in side.split("/") if (terms := tokenize(part))]
                return len(alternatives) >= 2 and any(
                    all(policy.is_known(term, words[hit.paper_id]) for term in terms)
                    for terms in alternatives
                    for hit in found
                )

            absent = [side for side in absent if not spoken_of(side)]
        for side in sides:
            if name := policy.which_of_them(side, shared):
                if hit := self._one_of_them(name, found, within):
                    found.insert(sides.index(side), hit)  # in the order the message names
                else:
                    absent.append(side)
        return found, absent

    def _one_of_them(
        self, name: str, taken: list[PaperHit], within: frozenset[str] | None
    ) -> PaperHit | None:
        """The paper that introduces ``name`` and is none of the sides found already, a
        title opening with the name first: "the original one" of "the three weak-to-strong
        papers" is "Weak-to-Strong Generalization: ...", not "Debate Helps Weak-to-Strong
        Generalization"."""
        hits = self.search.search(name, self.settings.top_k, introduced=True, within=within)
        introduced = self.search.introduced_words([hit.paper_id for hit in hits])
        others = {hit.paper_id for hit in taken}
        words = tokenize(name)
        candidates = [
            hit
            for hit in hits
            if hit.paper_id not in others and policy.introduces(name, introduced[hit.paper_id])
        ]
        candidates.sort(key=lambda hit: tokenize(hit.title)[: len(words)] != words)
        return candidates[0] if candidates else None

    def _side_hits(self, side: str, query: str, within: frozenset[str] | None) -> list[PaperHit]:
        """The papers for one side of a comparison: when the side is a name that a paper
        introduces ("clip", "the original CLIP"), ranked by where papers state their
        contribution too, so the paper that introduced it beats those that use it
        ("Enhancing CLIP with CLIP")."""
        hits = self.search.search(query, 3, within=within)
        if len(tokenize(side)) > policy.NAME_LOOKUP_CONCEPTS:
            return hits
        by_introduction = self.search.search(query, 3, introduced=True, within=within)
        introduced = self.search.introduced_words([hit.paper_id for hit in by_introduction])
        return by_introduction if policy.introduced_by_some(side, introduced) else hits

    def stream(
        self,
        question: str,
        history: list[Message] | None = None,
        *,
        top_k: int | None = None,
        temperature: float | None = None,
        max_answer_tokens: int | None = None,
        scope: Scope | None = None,
    ) -> Iterator[str | Answer]:
        """Text pieces as they come, then the final ``Answer`` (whose text they add up to).

        Every sentence the model writes is checked against the sources it was given before
        it is shown (policy.check_claim); unsupported ones never reach the reader.
        ``top_k``, ``temperature`` and ``max_answer_tokens`` override the settings for
        this question only, so callers sharing the engine never change each other's.
        ``scope``: only the papers it admits may answer (and be cited).
        """
        started = time.perf_counter()
        asked, question = question, self.spelled(question)
        # The last answer as shown, its quotes still marked: what a follow-up's "it" is.
        last_answer = next(
            (m["content"] for m in reversed(history or []) if m["role"] == "assistant"), ""
        )
        # The user's earlier questions are read as this one is ("params" written out).
        history = [
            {**m, "content": self.spelled(m["content"])} if m["role"] == "user" else m
            for m in prose_history(history or [])
        ]
        # The context window holds answers up to longest_answer_tokens, no longer.
        answer_tokens = min(
            max_answer_tokens or self.settings.max_answer_tokens,
            max(self.settings.longest_answer_tokens, self.settings.max_answer_tokens),
        )
        intent = policy.classify(question, has_history=bool(history))
        selection = self.search.select(scope)
        within = selection.paper_ids if selection else None
        if intent is Intent.COMPARISON and policy.asks_about_one(question):
            intent = Intent.FACT  # "electra paper - how much compute does it save vs bert?"
        against_conversation = (
            intent is Intent.COMPARISON
            and bool(history)
            and policy.compares_with_the_conversation(question)
        )
        if against_conversation:
            intent = Intent.FOLLOW_UP  # "how much data did it need compared to others?"
        if intent is Intent.FACT and history and self._continues(question, history, within):
            intent = Intent.FOLLOW_UP
        listing = policy.names_a_listing(question, self.search.listing_dates)
        if listing and intent in (Intent.FACT, Intent.LOOKUP, Intent.TOPIC):
            intent = Intent.METADATA  # "was llmtune posted on mar 14 or oct 9?"
        k = top_k or self.settings.top_k
        if intent is Intent.TOPIC:  # every paper on the subject, not only the first few
            k = max(k, self.settings.listing_papers)
        # What a question naming a listing asks about: "is RAD-DINO in the mar14 file?"
        about = policy.without_listing(question, self.search.listing_dates) if listing else question
        hits = self._retrieve(about, history, intent, k, within, last_answer)
        timings: dict[str, float] = {"retrieval_ms": _ms(started)}
        # A follow-up is about what the conversation was about: judged with its words.
        judged = evidence_for = about
        written_in = ""
        if intent is Intent.FOLLOW_UP:
            written_in = core = policy.core_question(question)
            judged = asked_about(core, history, follows=True)
            evidence_for = retrieval_query(core, history, follows=True)
        relevance = self.relevance(judged, hits, intent, written_in)
        relevant, notes, absent = relevance.papers, "", []
        if intent is Intent.TOPIC and relevant and relevance.missing:
            notes = not_found_text(relevance.missing).removesuffix(NOT_FOUND).rstrip() + "\n\n"
        if intent is Intent.FOLLOW_UP and not against_conversation:
            relevant = self._named_first(question, relevant)
        if intent is Intent.FOLLOW_UP and policy.refers_back(question):
            # "and did it beat gpt-4 on anything?": "it" is the paper the conversation is
            # about, ranked first; another paper's evidence would only invite drift.
            relevant = relevant[:1]
            if not relevant and hits and not relevance.missing and not relevance.unmatched:
                # "how did they get the labels?" covers too little of any paper to be
                # judged by its words; it asks about the conversation's paper, and names
                # nothing no text holds.
                relevant = hits[:1]
        if against_conversation and relevant:
            # "and chimed-gpt, how does it differ?": the conversation's paper against the
            # paper that introduced the name asked about, when one did (not "vs chatgpt").
            other = [hit for hit in self._introducing(question, hits) if hit not in relevant[:1]]
            if other:
                relevant, intent = [relevant[0], other[0]], Intent.COMPARISON
        if intent is Intent.FACT and relevance.best_coverage < self.settings.fact_min_coverage:
            # A question of fact no paper covers well enough to quote from: what the model
            # would write could only come from papers that are not about what was asked.
            relevant = []
        counted = policy.counted(question) if intent in COUNTS_CHECKED else []
        if (
            counted
            and relevant
            and not any(
                policy.states_count(counted, self.search.paper_text(hit.paper_id))
                for hit in relevant
            )
        ):
            # "how many hours of audio was whisper trained on?": the papers found give no
            # count of what is counted, so whatever number the model wrote would be invented.
            relevance = dataclasses.replace(relevance, uncounted=" ".join(counted[0]))
            relevant = []
        if intent is Intent.COMPARISON:
            sides, lacking = self._sides(question, within)
            if len(sides) + len(lacking) >= 2:
                relevant = sides
                chosen = {side.paper_id for side in sides}
                hits = sides + [hit for hit in hits if hit.paper_id not in chosen]
                if sides:  # what is not held is said, then what the rest says
                    absent = lacking
                if absent:
                    missing = not_found_text(absent).removesuffix(NOT_FOUND).rstrip()
                    notes = f"{missing} {CANNOT_COMPARE}\n\n"
        if not relevant:
            text = not_found_text(
                relevance.missing,
                relevance.not_introduced,
                relevance.unmatched,
                relevance.uncounted,
            )
            if selection is not None:
                text += scope_note(scope, selection)
            yield text
            timings["first_text_ms"] = timings["total_ms"] = _ms(started)
            yield Answer(
                asked,
                text,
                True,
                "abstain",
                papers=hits,
                timings=timings,
                papers_label="Closest matches",
                intent=intent,
            )
            return

        fields = asked_fields(question) if intent is Intent.METADATA else []
        if intent is Intent.METADATA and listing and "date" not in fields:
            fields = ["date", *fields]  # a listing's day named: "... or the oct 9 batch?"
        if fields:  # answered from the record of each paper named, by code
            named = relevant[: policy.MOST_SIDES]
            # A link the record lacks may be in the abstract (read only when one is asked).
            records = self.index.papers([hit.paper_id for hit in named]) if "url" in fields else {}
            abstracts = {i: record.get("abstract", "") for i, record in records.items()}
            text = " ".join(
                f"{metadata_answer(hit, fields, abstracts.get(hit.paper_id, ''))} [{n}]"
                for n, hit in enumerate(named, 1)
            )
            yield text
            timings["first_text_ms"] = timings["total_ms"] = _ms(started)
            yield Answer(
                asked,
                text,
                False,
                "metadata",
                [Citation(n, n, hit.paper_id, hit.title) for n, hit in enumerate(named, 1)],
                hits,
                timings=timings,
                intent=intent,
                prose=text,
                relevant_ids={hit.paper_id for hit in named},
            )
            return

        prefix = notes
        if intent is Intent.LOOKUP:  # titles first: they never wait
            prefix += "".join(f"{n}. {hit.title}\n" for n, hit in enumerate(relevant, 1)) + "\n"
        # Evidence is chosen before the model is loaded or free: the quotes need no model.
        # A listing's model reads the first few papers' evidence; the rest are quoted only.
        read = relevant[: self.settings.answer_papers] if intent is Intent.TOPIC else relevant
        said = last_answer if intent is Intent.FOLLOW_UP else ""
        sources = self._evidence(evidence_for, read, intent, asked=question, said=said)
        # A question of fact about a name the answering paper only mentions in passing
        # ("whats the orpo loss"): no indexed paper is about it, which the answer says,
        # then quotes where it is mentioned; the model is not asked, since what it would
        # write about the name could only be invented.
        passing = (
            self._in_passing(question, relevance, sources[0])
            if intent is Intent.FACT and sources
            else ""
        )
        if intent is Intent.TOPIC:
            sources += listed_sources(judged, relevant[len(read) :], len(sources) + 1)
        # In a comparison the things compared are names too: a sentence about one of
        # them must come from a paper that speaks of it, never from the other side's.
        compared = policy.comparison_sides(question) if intent is Intent.COMPARISON else []
        is_name = policy.name_test(
            relevance.concepts, self.search.is_rare, common_words(), compared
        )
        writer = ClaimWriter(
            sources,
            self.settings.min_support,
            is_name,
            titles_answer=intent in (Intent.LOOKUP, Intent.TOPIC, Intent.COMPARISON),
        )
        listed = ""
        if intent is Intent.TOPIC:  # the listing, by code: every paper with its quote
            listing = writer.listing(sources)
            prefix += listing + "\n"
            # What a follow-up's history keeps of it: the first few papers' quotes, as
            # one paragraph (a numbered list there is what a small model copies).
            lines = listing.splitlines()[: self.settings.answer_papers]
            listed = " ".join(line.split(". ", 1)[1] for line in lines)
        # The first useful text: each answering paper's best evidence sentence, quoted and
        # cited (supported by construction), in the time retrieval takes.
        quoted = self._quoted(intent, relevant, relevance, sources)
        in_passing = bool(quoted and passing)
        if in_passing:
            prefix += not_about_text(passing) + "\n\n"
        # Neither a name only mentioned in passing nor a comparison with a side the
        # collection lacks ("kto vs dpo") is answered: what the collection holds is quoted,
        # and the model is not asked, since what it wrote of the missing part would be
        # invented.
        unanswered = in_passing or bool(absent)
        if opening := prefix + "".join(writer.quote(source) for source in quoted):
            timings["first_text_ms"] = _ms(started)
            if quoted:
                timings["first_quote_ms"] = timings["first_text_ms"]
            yield opening
        pieces, first_token_at, context_tokens = 0, None, 0
        # A lookup's titles and quote, a listing's quoted papers answer them: no model.
        if intent not in (Intent.LOOKUP, Intent.TOPIC) and not (unanswered and quoted):
            waiting = time.perf_counter()
            with self._generating:
                timings["model_wait_ms"] = _ms(waiting)
                model = self.model
                shown = [source for source in sources if source.sentences]
                user = self.prompts.answer.format(
                    sources="\n\n".join(source.render() for source in shown), question=question
                )
                messages = [
                    {"role": "system", "content": self.prompts.system},
                    *trim_history(history, self.settings.history_budget_tokens, model.count_tokens),
                    {"role": "user", "content": user},
                ]
                for piece in model.stream_chat(
                    messages,
                    answer_tokens,
                    self.settings.temperature if temperature is None else temperature,
                ):
                    if first_token_at is None:
                        first_token_at = time.perf_counter()
                    pieces += 1
                    if out := writer.feed(piece):
                        timings.setdefault("first_text_ms", _ms(started))
                        yield out
                context_tokens = model.context_tokens
                fresh = getattr(model, "fresh_prompt_tokens", None)
                if fresh is not None:
                    timings["fresh_prompt_tokens"] = fresh
        # A comparison cites every paper compared, a lookup the paper it found; for those
        # the code quotes the evidence where the model wrote nothing supported about it.
        must_cite = {
            Intent.COMPARISON: relevant,
            Intent.TOPIC: relevant,
            Intent.LOOKUP: relevant[:1],
        }.get(intent, [])
        if tail := writer.finish(must_cite):
            timings.setdefault("first_text_ms", _ms(started))
            yield tail
        finished = time.perf_counter()
        timings["total_ms"] = round((finished - started) * 1000, 1)
        if first_token_at is not None:  # the model wrote
            generating = finished - first_token_at
            timings.update(
                prompt_tokens=max(context_tokens - pieces, 0),
                ttft_ms=round((first_token_at - started) * 1000, 1),
                gen_tokens_per_s=round(pieces / generating, 2) if generating > 0 else 0.0,
            )
        if not writer.text and not prefix:  # nothing the sources support: not found
            yield NOT_FOUND
            timings["first_text_ms"] = timings["total_ms"]
            yield Answer(
                asked,
                NOT_FOUND,
                True,
                "abstain",
                papers=hits,
                sources=sources,
                timings=timings,
                papers_label="Closest matches",
                intent=intent,
                dropped=writer.dropped,
            )
            return
        yield Answer(
            asked,
            prefix + writer.text,
            unanswered,
            "abstain" if unanswered else "lookup" if intent is Intent.LOOKUP else "answer",
            writer.citations(),
            hits,
            sources,
            timings,
            papers_label="Closest matches" if unanswered else "Retrieved papers",
            intent=intent,
            prose=writer.text or listed,
            claims=writer.claims_shown(),
            dropped=writer.dropped,
            relevant_ids={hit.paper_id for hit in relevant},
            quotes=[
                {"n": n, "paper_id": s.hit.paper_id, "title": s.hit.title, "text": s.best}
                for n, s in writer.quotes
            ],
        )

    def _evidence(
        self, question: str, relevant: list[PaperHit], intent: Intent, asked: str, said: str = ""
    ) -> list[Source]:
        abstracts = {
            pid: m.get("abstract", "")
            for pid, m in self.index.papers([hit.paper_id for hit in relevant]).items()
        }
        return select_evidence(
            policy.core_question(question),
            relevant,
            abstracts,
            self.index.sentences,
            count_tokens,
            self.settings.context_budget_tokens,
            EVIDENCE.get(intent, Budget()),
            asked=policy.core_question(asked),
            said=said,
        )

    def _quoted(
        self,
        intent: Intent,
        relevant: list[PaperHit],
        relevance: policy.Relevance,
        sources: list[Source],
    ) -> list[Source]:
        """The sources quoted first: the top paper's for a fact, a follow-up or a lookup,
        each side's for a comparison. A fact or a lookup only when the top paper covers at
        least ``quote_min_coverage`` of the question's key concepts (below that, a quote
        would answer what was not asked); a follow-up's paper is the conversation's, judged
        relevant already, and its words cover little of a short question ("and which models
        does it beat?"). Fake model over the follow-ups of dev and held-out 1-9: 12 more
        answered, 7 more quotes holding a keyword, none lost."""
        quoted = {
            Intent.FACT: relevant[:1],
            Intent.FOLLOW_UP: relevant[:1],
            Intent.LOOKUP: relevant[:1],
            Intent.COMPARISON: relevant,
        }.get(intent, [])
        if not self.settings.quote_first or (
            intent not in (Intent.COMPARISON, Intent.FOLLOW_UP)
            and relevance.best_coverage < self.settings.quote_min_coverage
        ):
            return []
        by_paper = {source.hit.paper_id: source for source in sources}
        return [
            by_paper[hit.paper_id]
            for hit in quoted
            if hit.paper_id in by_paper and by_paper[hit.paper_id].best
        ]

    def as_runnable(self) -> Runnable:
        """The engine as a LangChain Runnable: {"question", "history"?} -> Answer."""
        return RunnableLambda(
            lambda request: self.ask(request["question"], request.get("history") or []),
            name="PaperAssistant",
        )

    def remove_papers(self, paper_ids: list[str], *, shared: bool = False) -> list[dict[str, Any]]:
        """Take papers out of the index, and out of later ingests, until restored (their
        records come back); no search finds them once this returns."""
        records = remove_papers(self.index, paper_ids, shared=shared)
        self.search.refresh()
        return records

    def restore_papers(self, paper_ids: list[str]) -> list[dict[str, Any]]:
        """Index removed papers again (their records come back); searchable at once."""
        records = restore_papers(self.index, paper_ids)
        self.search.refresh()
        return records


def _not_found(
    relevance: policy.Relevance, missing: list[str] | None = None, unmatched: str = ""
) -> policy.Relevance:
    """``relevance`` with no paper that may answer, saying what no paper mentions."""
    return policy.Relevance(
        [], missing or [], relevance.best_coverage, concepts=relevance.concepts,
        unmatched=unmatched,
    )  # fmt: skip


def _ranks_by_introduction(intent: Intent, question: str) -> bool:
    """Whether a search also ranks by where papers state their contribution: for a lookup
    of a name only ("which paper introduced the transformer?"), never for a paper
    described in many words, which that ranking would outvote."""
    return intent is Intent.LOOKUP and policy.looks_up_a_name(question)


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)


def build_engine(settings: Settings) -> Engine:
    """The index, hybrid search and (lazily) the model the settings describe."""
    from assistant.index.store import open_index

    def load_model() -> ChatModel:
        if settings.model_server_url:
            from assistant.models.served import ServedModel

            return ServedModel(settings)
        from assistant.models.local import LocalModel

        return LocalModel(settings)

    index = open_index(settings)
    return Engine(settings, index, HybridSearch(index, settings), load_model)
