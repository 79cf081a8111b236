"""The served app in headless Chromium (Debian's, driven by Playwright): real model and corpus.

Set UI_SCREENSHOT=docs/screenshot.png and UI_LIBRARY_SCREENSHOT=docs/library.png to refresh
the README's screenshots (`make screenshot`).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import require

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def chromium_installed() -> None:
    require(Path(CHROMIUM).exists(), f"Chromium ({CHROMIUM})", "run `make browser`")


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 300_000  # generous: a shared 2-core machine may take a while to answer
QUESTION = "By how much does SegPrompt improve unseen detection AR on its benchmark?"
CITED_TITLE = "SegPrompt: Boosting Open-world Segmentation via Category-level Prompt Learning"
# Every text the newest reply shows, in order (a MutationObserver sees each streamed update).
RECORD_REPLIES = """() => {
  window.replies = [];
  new MutationObserver(() => {
    const bots = document.querySelectorAll('#chat [data-testid=bot]');
    const text = bots.length ? bots[bots.length - 1].innerText : '';
    if (text && text !== window.replies[window.replies.length - 1]) window.replies.push(text);
  }).observe(document.querySelector('#chat'),
             {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture
def browser(tmp_path):
    """A fresh Chromium profile; requests to anywhere but the app are recorded and refused."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        context.outside = []

        def local_only(route):
            url = route.request.url
            if url.startswith(("http://127.0.0.1:", "data:", "blob:")):
                route.continue_()
            else:
                context.outside.append(url)
                route.abort()

        context.route("**/*", local_only)
        yield context
        context.close()


def open_page(browser, url):
    page = browser.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(url)
    page.locator("#question textarea").wait_for()
    return page


def test_ask_in_the_browser_and_see_the_cited_source(browser, served_ui, tmp_path):
    from playwright.sync_api import expect

    page = open_page(browser, served_ui)
    expect(page.locator("#status")).to_contain_text("papers indexed")
    page.evaluate(RECORD_REPLIES)
    page.fill("#question textarea", QUESTION)
    page.press("#question textarea", "Enter")

    cited = page.locator("#sources .paper.cited")
    expect(cited.first).to_contain_text(CITED_TITLE)
    expect(cited.first).to_contain_text("[1] cited")
    assert page.locator("#sources .paper.cited mark").count() > 0  # matched words marked
    reply = page.locator("#chat [data-testid=bot]").last
    expect(reply).to_contain_text("References")
    expect(reply).to_contain_text("[1] " + CITED_TITLE)
    expect(page.locator("#status")).to_contain_text("tokens/s")
    replies = page.evaluate("window.replies")
    final = reply.inner_text()
    assert replies[-1] == final
    assert any(final.startswith(partial) for partial in replies[1:-1])  # streamed piece by piece
    # The first text of the answer is the verified quote, before the model's prose.
    shown = [text for text in replies if text.strip() not in ("", "…")]
    assert shown[0].startswith('"') and final.startswith('"')

    page.screenshot(path=str(tmp_path / "screenshot.png"))
    if target := os.environ.get("UI_SCREENSHOT"):
        shutil.copyfile(tmp_path / "screenshot.png", target)

    # A second tab has a conversation of its own; its search does not touch the first tab.
    other = open_page(browser, served_ui)
    expect(other.locator("#chat [data-testid=user]")).to_have_count(0)
    other.get_by_label("Find papers").check()
    other.fill("#question textarea", "weak-to-strong generalization")
    other.press("#question textarea", "Enter")
    expect(other.locator("#sources")).to_contain_text("Papers found")
    expect(other.locator("#chat [data-testid=bot]")).to_contain_text("Weak-to-Strong")
    expect(page.locator("#chat [data-testid=user]")).to_have_count(1)
    expect(page.locator("#sources .paper.cited").first).to_contain_text(CITED_TITLE)

    page.click("#clear")
    expect(page.locator("#chat [data-testid=user]")).to_have_count(0)
    expect(other.locator("#chat [data-testid=user]")).to_have_count(1)
    assert browser.outside == []  # the page loaded nothing from outside this machine


REMOVED_TITLE = "AutoWS-Bench-101: Benchmarking Automated Weak Supervision with 100 Labels"
SEGPROMPT_ABSTRACT = "Current closed-set instance segmentation models rely on"


@pytest.fixture
def restored(bundled_index, bundled_search):
    """Papers the test removes from the shared bundled index come back after it."""
    from assistant.index.removals import removed_papers, restore_papers

    yield
    if removed := list(removed_papers(bundled_index.settings)):
        restore_papers(bundled_index, removed)
        bundled_search.refresh()


def cell(table, text: str):
    """The text ``text`` in the table, to click (the innermost element that shows it)."""
    return table.get_by_text(text).last


def library_counts(page) -> tuple[int, int]:
    papers, chunks = re.search(
        r"(\d+) papers, (\d+) chunks", page.locator("#library-counts").inner_text()
    ).groups()
    return int(papers), int(chunks)


def test_library_filter_remove_then_ask_about_a_selection(browser, served_ui, tmp_path, restored):
    from playwright.sync_api import expect

    from assistant.corpus.bibtex import Entry, parse

    page = open_page(browser, served_ui)
    page.get_by_role("tab", name="Library").click()
    expect(page.locator("#library-counts")).to_contain_text("chunks in the collection")
    papers, chunks = library_counts(page)
    table = page.locator("#library-table")

    # Remove a paper: asked first, removed only once confirmed.
    page.fill("#library-query textarea", "AutoWS")
    expect(page.locator("#library-counts")).to_contain_text("· 1 shown")
    cell(table, REMOVED_TITLE).click()
    expect(page.locator("#library-selected")).to_contain_text("1 selected")
    page.click("#library-remove")
    expect(page.locator("#confirm-remove-yes")).to_be_visible()
    assert library_counts(page) == (papers, chunks)  # nothing removed yet
    page.click("#confirm-remove-yes")
    expect(page.locator("#library-notice")).to_contain_text("Removed 1 paper: AutoWS-Bench-101")
    expect(page.locator("#library-counts")).to_contain_text(f"{papers - 1} papers")
    expect(table.get_by_text(REMOVED_TITLE)).to_have_count(0)
    expect(page.locator("#status")).to_contain_text(f"{papers - 1} papers indexed")

    # Filter by title and source, read an abstract, select the paper.
    page.fill("#library-query textarea", "segment")
    page.locator("#library-source input").click()
    page.get_by_role("option", name="daily_papers_oct09.txt").click()
    expect(page.locator("#library-counts")).to_contain_text("shown")
    expect(table.get_by_text("Rewrite Caption Semantics")).to_have_count(0)  # from mar14
    cell(table, "SegPrompt: Boosting Open-world").click()
    expect(page.locator("#library-paper")).to_contain_text(SEGPROMPT_ABSTRACT)
    expect(page.locator("#library-selected")).to_contain_text("1 selected")
    expect(page.locator("#library-bib")).to_be_enabled()
    page.screenshot(path=str(tmp_path / "library.png"))
    if target := os.environ.get("UI_LIBRARY_SCREENSHOT"):
        shutil.copyfile(tmp_path / "library.png", target)

    # "Ask about these": the Chat tab opens, scoped to the selection.
    page.click("#library-ask")
    expect(page.locator("#scope")).to_contain_text("Scope: 1 chosen paper")
    expect(page.locator("#scope-papers")).to_contain_text("SegPrompt: Boosting Open-world")
    page.fill("#question textarea", QUESTION)
    page.press("#question textarea", "Enter")
    expect(page.locator("#sources .paper.cited").first).to_contain_text(CITED_TITLE)
    # Only the chosen paper was searched: no other paper is shown as a source.
    expect(page.locator("#sources .paper")).to_have_count(1)

    # The reply's references: BibTeX to copy, and a .bib to download that parses.
    bibtex = page.locator("#references-bibtex textarea")
    expect(bibtex).to_have_value(re.compile("^@misc"))
    with page.expect_download() as download:
        page.click("#references-bib")
    assert download.value.suggested_filename == "references.bib"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text == bibtex.input_value()
    (entry,) = parse(text)
    assert isinstance(entry, Entry) and entry.kind == "misc"
    assert entry.fields["title"].replace("{", "").replace("}", "") == CITED_TITLE

    # The answer was saved: the conversation is listed, to reopen or export.
    page.get_by_text("Saved conversations").click()
    expect(page.locator("#chats-title input")).to_have_value(QUESTION)
    assert browser.outside == []  # the page loaded nothing from outside this machine
