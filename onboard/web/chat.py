"""The chat page: ask, watch Claude's work and answer stream in, click verified citations, see the cost.

"Stop" reruns the page: Streamlit interrupts the running answer at its next update, and the
conversation keeps the part that arrived (marked as stopped), like any other failed answer.

Every answer is saved in the index's chat history (``api.save_answer``), and the page shows that
history, so a reload, another tab or tomorrow shows the same conversation; "Clear" forgets it. The
question asked last is in the URL (``q``): a link carrying a question asks it when it is opened,
unless it is already the last one answered (a reload).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from onboard import api
from onboard.web import guide, state
from onboard.web.links import UNVERIFIED, link_citations
from onboard.web.state import open_index, settings
from onboard.web.text import md

STOP_WAIT = 60  # seconds to wait for an interrupted answer to keep what arrived


def _conversation(name: str) -> api.Conversation:
    """One conversation per repo per browser session: Claude's follow-ups reuse its cached context."""
    conversations = st.session_state.setdefault("conversations", {})
    if name not in conversations:
        conversations[name] = api.Conversation(open_index(name), settings())
    return conversations[name]


def _save_new_turns(name: str, conversation: api.Conversation) -> None:
    """Save the answers this session's conversation has that the history lacks, an answer a rerun
    interrupted included (it is recorded after the rerun began)."""
    saved = st.session_state.setdefault("saved_turns", {})
    for answer in conversation.turns[saved.get(name, 0):]:
        api.save_answer(conversation.index, answer)
    saved[name] = len(conversation.turns)


def _clear(name: str) -> None:
    api.clear_history(open_index(name))
    st.session_state.get("conversations", {}).pop(name, None)
    st.session_state.get("saved_turns", {}).pop(name, None)
    state.set_params(q=None)


def _step_text(step: api.Step) -> str:
    tokens = f" ({step.tokens:,} tokens)" if step.tokens else ""
    return ("✗ " if step.error else "→ ") + step.text + tokens


def context_panel(answer: api.SavedAnswer) -> None:
    with st.expander(f"Context sent: {len(answer.documents)} documents, "
                     f"{answer.tokens_used:,} of {answer.budget:,} tokens", expanded=False):
        st.progress(min(1.0, answer.tokens_used / max(answer.budget, 1)),
                    text=f"budget used {answer.tokens_used / max(answer.budget, 1):.0%} "
                         f"(repo map {answer.map_tokens:,} tokens)")
        rows = [{"file": d["path"], "lines": f"{d['start_line']}-{d['end_line']}", "tokens": d["tokens"],
                 "view": "whole" if d["whole"] else "excerpt", "why chosen": d["reason"]} for d in answer.documents]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _show(answer: api.SavedAnswer, name: str) -> None:
    st.markdown(link_citations(api.inert_images(answer.text), answer.citations, name))
    if answer.error:
        st.error(md(answer.error))
    if answer.mode == "claude":
        unverified = [f"`{c.text}` ({md(c.problem)})" for c in answer.citations if not c.verified]
        st.caption(answer.citation_line + (f"; {UNVERIFIED} unverified: " + ", ".join(unverified)
                                           if unverified else ""))
        if answer.steps:
            with st.expander(f"Work: {len(answer.steps)} steps beyond the packed context", expanded=False):
                for step in answer.steps:
                    st.text(_step_text(step))
        st.caption(md(answer.usage_line))
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
        placeholder.markdown(api.inert_images("".join(streamed)) + " ▌")

    with st.spinner("Finding the right code…"):
        conversation.ask(question, on_text=on_text, on_step=on_step)
    for slot in (stop, work, placeholder):  # the finished answer shows its work in its own expander
        slot.empty()
    _save_new_turns(name, conversation)
    _show(api.chat_history(conversation.index)[-1], name)


def page(name: str) -> None:
    st.header(f"Ask about {md(name)}")
    conversation = _conversation(name)
    if not conversation.idle.is_set():  # this rerun interrupted an answer (Stop, a new question, another page)
        conversation.cancel.set()
        with st.spinner("Stopping the answer…"):
            conversation.idle.wait(STOP_WAIT)
    _save_new_turns(name, conversation)
    history = api.chat_history(open_index(name))
    if not settings().api_key:
        st.info("**Retrieval-only mode**: no ANTHROPIC_API_KEY is set, so answers name the files that matter most, "
                "why, their key symbols and a reading order.")
    else:
        st.caption(f"Claude answers from the packed context and may read further: {conversation.limits.describe()}. "
                   "Every citation is checked against what it was shown.")
    if history:
        st.button("Clear conversation", key="clear_chat", icon=":material/delete:", on_click=_clear, args=(name,),
                  help=f"Forget the {len(history)} questions and answers kept for {name}.")
        if settings().api_key and len(history) > len(conversation.turns):
            st.caption("The earlier questions are kept from before; Claude starts a fresh context with the next one.")
    for answer in history:
        with st.chat_message("user"):
            st.markdown(md(answer.question))
        with st.chat_message("assistant"):
            _show(answer, name)
    question = st.chat_input("Ask how this codebase works…") or guide.starter_question()
    linked = state.param("q")
    if not question and state.arrived() and linked and (not history or history[-1].question != linked):
        question = linked  # a link that carries a question asks it
    if not question:
        if not history:
            guide.landing(name)  # the guide's overview and starter questions
        return
    state.set_params(q=question.strip())
    with st.chat_message("user"):
        st.markdown(md(question))
    with st.chat_message("assistant"):
        _answer(conversation, question, name)
