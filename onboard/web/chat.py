"""The chat page: ask, watch the answer stream in, click citations, see what context was sent."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from onboard import api
from onboard.web.links import link_citations
from onboard.web.state import open_index, settings


def _conversation(name: str) -> api.Conversation:
    """One conversation per repo per browser session, so switching repos keeps each history."""
    conversations = st.session_state.setdefault("conversations", {})
    if name not in conversations:
        conversations[name] = api.Conversation(open_index(name), settings())
    return conversations[name]


def context_panel(answer: api.Answer) -> None:
    packed = answer.packed
    with st.expander(f"Context sent: {len(packed.all_documents())} documents, "
                     f"{packed.tokens_used:,} of {packed.budget:,} tokens", expanded=False):
        st.progress(min(1.0, packed.tokens_used / max(packed.budget, 1)),
                    text=f"budget used {packed.tokens_used / max(packed.budget, 1):.0%} "
                         f"(repo map {packed.map_tokens:,} tokens)")
        rows = [{"file": d.path, "lines": f"{d.start_line}-{d.end_line}", "tokens": d.tokens,
                 "view": "whole" if d.whole else "excerpt", "why chosen": d.reason} for d in packed.all_documents()]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        if answer.mode == "claude":
            usage = answer.usage
            st.caption(f"{answer.model}: {usage.input_tokens:,} input tokens, "
                       f"cache read {usage.cache_read_input_tokens:,}, cache write "
                       f"{usage.cache_creation_input_tokens:,}, output {usage.output_tokens:,}")


def _show(answer: api.Answer, name: str) -> None:
    st.markdown(link_citations(answer.text, answer.citations, name))
    if answer.error:
        st.error(answer.error)
    context_panel(answer)


def page(name: str) -> None:
    st.header(f"Ask about {name}")
    if not settings().api_key:
        st.info("**Retrieval-only mode**: no ANTHROPIC_API_KEY is set, so answers list the files, symbols and map "
                "sections Claude would receive, with why each was chosen.")
    conversation = _conversation(name)
    for answer in conversation.turns:
        with st.chat_message("user"):
            st.markdown(answer.question)
        with st.chat_message("assistant"):
            _show(answer, name)
    question = st.chat_input("Ask how this codebase works…")
    if not question:
        if not conversation.turns:
            st.caption("Try: *Where does a request enter the system?* or *Which module owns configuration?*")
        return
    with st.chat_message("user"):
        st.markdown(question)
    with st.chat_message("assistant"):
        placeholder = st.empty()
        streamed: list[str] = []

        def on_text(text: str) -> None:
            streamed.append(text)
            placeholder.markdown("".join(streamed) + " ▌")

        with st.spinner("Finding the right code…"):
            answer = conversation.ask(question, on_text=on_text)
        placeholder.empty()
        _show(answer, name)
