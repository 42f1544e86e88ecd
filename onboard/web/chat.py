"""The chat page: ask, watch Claude's work and answer stream in, click verified citations, see the cost.

"Stop" reruns the page: Streamlit interrupts the running answer at its next update, and the
conversation keeps the part that arrived (marked as stopped), like any other failed answer.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from onboard import api
from onboard.web.links import UNVERIFIED, link_citations
from onboard.web.state import open_index, settings

STOP_WAIT = 60  # seconds to wait for an interrupted answer to keep what arrived


def _conversation(name: str) -> api.Conversation:
    """One conversation per repo per browser session, so switching repos keeps each history."""
    conversations = st.session_state.setdefault("conversations", {})
    if name not in conversations:
        conversations[name] = api.Conversation(open_index(name), settings())
    return conversations[name]


def _step_text(step: api.Step) -> str:
    tokens = f" ({step.tokens:,} tokens)" if step.tokens else ""
    return ("✗ " if step.error else "→ ") + step.text + tokens


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


def _show(answer: api.Answer, name: str) -> None:
    st.markdown(link_citations(answer.text, answer.citations, name))
    if answer.error:
        st.error(answer.error)
    if answer.mode == "claude":
        unverified = [f"`{c.text}` ({c.problem})" for c in answer.citations if not c.verified]
        st.caption(answer.citation_line() + (f"; {UNVERIFIED} unverified: " + ", ".join(unverified)
                                             if unverified else ""))
        if answer.steps:
            with st.expander(f"Work: {len(answer.steps)} steps beyond the packed context", expanded=False):
                for step in answer.steps:
                    st.text(_step_text(step))
        st.caption(answer.usage_line())
    context_panel(answer)


def _answer(conversation: api.Conversation, question: str, name: str) -> None:
    """Stream one answer: Claude's steps in a status box as they happen, the text below them."""
    stop, work, placeholder = st.empty(), st.empty(), st.empty()
    streamed: list[str] = []
    status = None
    if settings().api_key:
        stop.button("Stop", key="stop_answer", help="Stop this answer; the part that arrived is kept.")
        status = work.status("Claude is reading the code…", expanded=True)

    def on_step(step: api.Step) -> None:
        status.text(_step_text(step))

    def on_text(text: str) -> None:
        streamed.append(text)
        placeholder.markdown("".join(streamed) + " ▌")

    with st.spinner("Finding the right code…"):
        answer = conversation.ask(question, on_text=on_text, on_step=on_step)
    for slot in (stop, work, placeholder):  # the finished answer shows its work in its own expander
        slot.empty()
    _show(answer, name)


def page(name: str) -> None:
    st.header(f"Ask about {name}")
    conversation = _conversation(name)
    if not conversation.idle.is_set():  # this rerun interrupted an answer (Stop, a new question, another page)
        conversation.cancel.set()
        with st.spinner("Stopping the answer…"):
            conversation.idle.wait(STOP_WAIT)
    if not settings().api_key:
        st.info("**Retrieval-only mode**: no ANTHROPIC_API_KEY is set, so answers name the files that matter most, "
                "why, their key symbols and a reading order.")
    else:
        st.caption(f"Claude answers from the packed context and may read further: {conversation.limits.describe()}. "
                   "Every citation is checked against what it was shown.")
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
        _answer(conversation, question, name)
