"""Claude reads further with tools: scripted tool_use rounds through the real anthropic SDK against the
local Messages API server (tests/fakeapi.py), over a real index. Limits, failures mid-answer, verified
citations, the cache on follow-ups and the cost estimate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from onboard import api
from onboard.answer import TOOLS, Limits, ToolLoop, Toolbox, estimate_cost
from onboard.answer.claude import client_for
from onboard.answer.loop import STOPPED
from onboard.config import ANSWER_RESERVE, Settings
from tests.fakeapi import Scripted

SECRET = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
QUESTION = "What is a cart?"
BUDGET = 600  # the pack holds shop/cart.py and shop/__init__.py: the gateway must be read with a tool


@pytest.fixture
def shop(shop_repo: Path, settings: Settings) -> api.Index:
    """The shop fixture plus a settings module holding a token and a secret file, both planted."""
    (shop_repo / "shop" / "config.py").write_text(f'"""Settings."""\n\nGITHUB_TOKEN = "{SECRET}"\nRETRIES = 3\n')
    (shop_repo / ".env").write_text(f"TOKEN={SECRET}\n")
    api.index_repo(shop_repo, "shop", settings, embed=False)
    return api.open_index("shop", settings)


def claude(settings: Settings, server) -> Settings:
    return Settings.from_env(home=settings.home, api_key="sk-test-key", base_url=server.url,
                             model="claude-sonnet-test")


def chat(index: api.Index, settings: Settings, server, **limits: float) -> api.Conversation:
    return api.Conversation(index, claude(settings, server), budget=BUDGET, limits=Limits(**limits))


def bodies(server) -> list[dict]:
    return [request["body"] for request in server.state.requests]


def results(body: dict) -> list[dict]:
    """The tool results a request sends back (its last user message)."""
    return [block for block in body["messages"][-1]["content"] if block.get("type") == "tool_result"]


def unmarked(messages: list[dict]) -> list[dict]:
    """Messages without cache breakpoints: what stays byte-identical from request to request."""
    def strip(content: object) -> object:
        if isinstance(content, str):
            return [{"type": "text", "text": content}]
        return [{k: v for k, v in block.items() if k != "cache_control"} for block in content]
    return [{"role": m["role"], "content": strip(m["content"])} for m in messages]


def test_tool_rounds_then_an_answer_with_checked_citations(shop: api.Index, settings: Settings,
                                                           fake_anthropic) -> None:
    fake_anthropic.state.script = [
        Scripted("Let me look further.", [("search_code", {"query": "charge card"}),
                                          ("read_file", {"path": "shop/payments/gateway.py", "start_line": 8,
                                                         "end_line": 11})]),
        Scripted("", [("find_symbol", {"name": "Cart.checkout"}), ("symbol_uses", {"path_or_symbol": "charge"}),
                      ("list_dir", {"path": "shop"})]),
        Scripted("Checkout calls `shop/cart.py:19-20`, which charges through `shop/payments/gateway.py:8-11` "
                 "(README.md:1-2). Also shop/broken.py:1-3, shop/cart.py:90-95 and shop/nowhere.py:1-2."),
    ]
    steps: list[api.Step] = []
    pieces: list[str] = []
    answer = chat(shop, settings, fake_anthropic).ask(QUESTION, pieces.append, steps.append)
    assert answer.error is None and answer.rounds == 2
    assert "shop/payments/gateway.py" not in answer.packed.paths()  # it came from a tool, not the pack
    assert [s.text for s in steps] == [
        "searched 'charge card' → 3 files", "read shop/payments/gateway.py:8-11", "found 'Cart.checkout' → 1 definition",
        "followed 'charge' → 1 link", "listed shop/ → 5 items"]
    assert answer.steps == steps and all(s.tokens > 0 and not s.error for s in steps)
    assert "".join(pieces) == answer.text and answer.text.startswith("Let me look further.\n\nCheckout calls")

    sent = bodies(fake_anthropic)
    assert len(sent) == 3 and all(body["tools"] == TOOLS and "tool_choice" not in body for body in sent)
    assert len(fake_anthropic.state.count_requests) == 3  # every request is counted before it is sent
    assert all(body["messages"][0] == sent[0]["messages"][0] for body in sent)  # the packed prefix never changes
    first_results = results(sent[1])
    assert [r["tool_use_id"] for r in first_results] == ["toolu_1_0", "toolu_1_1"]
    assert '<document path="shop/payments/gateway.py" lines="8-11"' in first_results[1]["content"]
    assert first_results[1]["content"].startswith("<document") and "8|def charge(" in first_results[1]["content"]
    assert sent[1]["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}  # the moving breakpoint
    assert '<repo_map index="shop">' in results(sent[2])[1]["content"]  # listings are map data too

    status = {c.text: c.status for c in answer.citations}
    assert status == {"shop/cart.py:19-20": "verified",  # in the pack
                      "shop/payments/gateway.py:8-11": "verified",  # read with a tool
                      "README.md:1-2": "verified",  # shown by the search
                      "shop/broken.py:1-3": "not-received", "shop/cart.py:90-95": "no-such-lines",
                      "shop/nowhere.py:1-2": "not-indexed"}
    assert answer.citation_line() == "3 of 6 citations verified"

    reported = fake_anthropic.state.usages
    for key in ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"):
        assert getattr(answer.usage, key) == sum(u[key] for u in reported)  # the answer's cost is all its rounds
    assert answer.usage.cache_read_input_tokens > 0  # later rounds read the earlier ones from cache
    usage = answer.usage
    expected = (usage.input_tokens * 3 + usage.cache_creation_input_tokens * 3.75 + usage.cache_read_input_tokens * 0.3
                + usage.output_tokens * 15) / 1e6
    assert estimate_cost(answer.model, usage) == pytest.approx(expected)
    line = answer.usage_line()
    assert f"estimated cost ${expected:.4f} (sonnet list prices)" in line and "2 tool rounds" in line
    assert "up to 6 tool rounds, 30,000 tokens of tool results, 120 s of tool use" in line


def test_bad_arguments_and_paths_come_back_as_tool_errors(shop: api.Index, settings: Settings,
                                                          fake_anthropic) -> None:
    calls = [("read_file", {"path": "../../etc/passwd"}), ("read_file", {"path": "/etc/passwd"}),
             ("read_file", {"path": ".env"}), ("read_file", {"path": "shop/cart.py", "start_line": "ten"}),
             ("read_file", {"path": "shop/cart.py", "start_line": True}),
             ("read_file", {"path": "shop/cart.py", "start_line": 1, "end_line": 100_000}),
             ("read_file", {"path": "shop/cart.py", "start_line": 50}), ("find_symbol", {"name": 42}),
             ("list_dir", {"path": "../.."}), ("symbol_uses", {}), ("delete_repo", {"path": "shop"}),
             ("read_file", {"path": "shop/config.py"})]
    fake_anthropic.state.script = [Scripted("", calls), Scripted("The token is read from `shop/config.py:3`.")]
    answer = chat(shop, settings, fake_anthropic).ask(QUESTION)
    assert answer.error is None
    sent = results(bodies(fake_anthropic)[1])
    assert [bool(r.get("is_error")) for r in sent] == [True] * 11 + [False]
    messages = [r["content"] for r in sent]
    assert "outside the repository" in messages[0] and "outside the repository" in messages[1]
    assert "'.env' is not an indexed file" in messages[2]  # secret files are never indexed
    assert "`start_line` must be an integer, not str" in messages[3]
    assert "`start_line` must be an integer, not bool" in messages[4]
    assert "read at most 400 per call" in messages[5] and "has 20 lines" in messages[6]
    assert "`name` must be a string, not int" in messages[7] and "outside the repository" in messages[8]
    assert "`path_or_symbol` must be a string" in messages[9] and "there is no tool 'delete_repo'" in messages[10]
    assert "[REDACTED:github-token]" in messages[11]
    assert SECRET not in json.dumps(bodies(fake_anthropic))  # not in any tool result, nor anywhere sent
    assert [s.error for s in answer.steps] == [True] * 11 + [False]
    assert answer.citations[0].verified  # the token's line was in the tool result


@pytest.mark.parametrize(("limits", "step"), [
    ({"rounds": 2}, "tool round limit (2) reached"),
    ({"seconds": 0}, "time limit (0 s) reached"),
    ({"tool_tokens": 400}, "tool result budget (400 tokens) spent"),
])
def test_a_tool_loop_stops_at_its_limit(shop: api.Index, settings: Settings, fake_anthropic, limits: dict,
                                        step: str) -> None:
    fake_anthropic.state.script = [Scripted("", [("read_file", {"path": "shop/cart.py"})]) for _ in range(8)]
    answer = chat(shop, settings, fake_anthropic, **limits).ask(QUESTION)
    rounds = limits.get("rounds", 1)
    sent = bodies(fake_anthropic)
    assert len(sent) == rounds + 1 and answer.rounds == rounds
    assert sent[-1]["tool_choice"] == {"type": "none"} and sent[-1]["tools"] == TOOLS  # the prefix stays cached
    assert all("tool_choice" not in body for body in sent[:-1])
    assert answer.steps[-1].text == f"{step}: Claude answers from what it has read"
    assert answer.error is None and "The behaviour lives in" in answer.text  # an answer from what was read


def test_tools_off(shop: api.Index, settings: Settings, fake_anthropic) -> None:
    answer = chat(shop, settings, fake_anthropic, rounds=0).ask(QUESTION)
    assert answer.error is None and "tools" not in bodies(fake_anthropic)[0]
    assert "tools off" in answer.usage_line()


def test_a_stream_that_breaks_mid_tool_call_keeps_the_text_and_runs_nothing(shop: api.Index, settings: Settings,
                                                                            fake_anthropic) -> None:
    fake_anthropic.state.script = [Scripted("Let me read the gateway.",
                                            [("read_file", {"path": "shop/payments/gateway.py"})])]
    fake_anthropic.state.fail(0)  # cut inside the tool call's JSON
    conversation = chat(shop, settings, fake_anthropic)
    answer = conversation.ask(QUESTION)
    assert answer.error and "ended early" in answer.error
    assert answer.text == "Let me read the gateway." and answer.steps == []  # a half-read call is never run
    follow = conversation.ask("Go on.")
    assert follow.error is None
    messages = bodies(fake_anthropic)[1]["messages"]
    assert messages[1] == {"role": "assistant", "content": "Let me read the gateway."}  # no dangling tool_use
    assert messages[2]["content"][0]["text"] == "Go on."


def test_overloaded_on_round_two_keeps_what_arrived(shop: api.Index, settings: Settings, fake_anthropic) -> None:
    fake_anthropic.state.script = [Scripted("Let me look.", [("read_file", {"path": "shop/payments/gateway.py"})])]
    fake_anthropic.state.fail(529, times=3, after=1)  # round 2 fails, and so do the SDK's two retries
    conversation = chat(shop, settings, fake_anthropic)
    answer = conversation.ask(QUESTION)
    assert answer.error and "overloaded (529)" in answer.error
    assert answer.text == "Let me look." and [s.text for s in answer.steps] == ["read shop/payments/gateway.py:1-11"]
    assert len(fake_anthropic.state.requests) == 4 and answer.rounds == 1
    assert answer.usage.output_tokens > 0  # the round that arrived is counted
    conversation.ask("Try again?")
    assert bodies(fake_anthropic)[4]["messages"][1] == {"role": "assistant", "content": "Let me look."}


def test_follow_up_reuses_the_cached_conversation_with_its_tool_rounds(shop: api.Index, settings: Settings,
                                                                      fake_anthropic) -> None:
    fake_anthropic.state.script = [Scripted("", [("read_file", {"path": "shop/payments/gateway.py"})]),
                                   Scripted("It charges via `shop/payments/gateway.py:8-11`."),
                                   Scripted("It returns `response.ok` (`shop/payments/gateway.py:11`).")]
    conversation = chat(shop, settings, fake_anthropic)
    first = conversation.ask(QUESTION)
    second = conversation.ask("And what does charge return?")
    assert first.error is None and second.error is None
    earlier, follow = bodies(fake_anthropic)[1], bodies(fake_anthropic)[2]
    assert follow["system"] == earlier["system"] and follow["tools"] == earlier["tools"]
    assert unmarked(follow["messages"][:-2]) == unmarked(earlier["messages"])  # turn 1 repeated byte for byte
    assert follow["messages"][-2] == {"role": "assistant", "content": [{"type": "text", "text": first.text}]}
    written = fake_anthropic.state.usages[1]
    assert fake_anthropic.state.usages[2]["cache_read_input_tokens"] == (
        written["cache_read_input_tokens"] + written["cache_creation_input_tokens"])  # all of turn 1 from cache
    assert second.usage.cache_read_input_tokens > first.usage.cache_read_input_tokens
    assert [c.status for c in second.citations] == ["verified"]  # read in turn 1, still in the conversation


def test_old_tool_results_give_way_to_a_new_answers_tool_budget(shop: api.Index, settings: Settings,
                                                                fake_anthropic) -> None:
    """When earlier tool results would crowd the window, earlier turns shrink to their answer text, and
    what only they showed can no longer be cited as seen."""
    fake_anthropic.state.script = [Scripted("", [("read_file", {"path": "shop/payments/gateway.py"})]),
                                   Scripted("It charges via `shop/payments/gateway.py:8-11`."),
                                   Scripted("Still `shop/payments/gateway.py:8-11`.")]
    conversation = chat(shop, settings, fake_anthropic, tool_tokens=195_000)
    first = conversation.ask(QUESTION)
    second = conversation.ask("And what does charge return?")
    assert first.citations[0].verified and second.citations[0].status == "not-received"
    messages = bodies(fake_anthropic)[2]["messages"]
    assert len(messages) == 3 and messages[1] == {"role": "assistant", "content": first.text}


def test_tool_results_keep_the_request_inside_the_window(shop: api.Index, settings: Settings,
                                                         fake_anthropic) -> None:
    config = claude(settings, fake_anthropic)
    packed = api.retrieve(shop, QUESTION, BUDGET)
    fake_anthropic.state.script = [Scripted("", [("read_file", {"path": "shop/cart.py"})])]
    client = client_for(config)
    loop = ToolLoop(client, config, packed, [], QUESTION, Toolbox(shop), Limits())
    counted = client.messages.count_tokens(**{k: v for k, v in loop.request().items()
                                              if k != "max_tokens"}).input_tokens
    loop.window = counted + ANSWER_RESERVE + 250  # room for a few lines of tool results, not the whole file
    reply = loop.run()
    assert reply.error is None and reply.rounds == 1
    shown = results(bodies(fake_anthropic)[1])[0]["content"]
    assert "cut to fit the tool budget" in shown and not shown.startswith("Error")
    assert reply.received and reply.received[0][2] < 20  # fewer lines than the file has
    for counted_request in fake_anthropic.state.count_requests:
        assert len(json.dumps(counted_request)) // 4 + ANSWER_RESERVE <= loop.window


def test_a_result_the_window_cannot_hold_is_dropped_before_sending(shop: api.Index, settings: Settings,
                                                                    fake_anthropic) -> None:
    """Our estimate let the result in, the API's count says the request is too big: the result
    becomes an error, tools stop, and its lines no longer count as seen."""
    config = claude(settings, fake_anthropic)
    packed = api.retrieve(shop, QUESTION, BUDGET)
    fake_anthropic.state.script = [Scripted("", [("read_file", {"path": "shop/payments/gateway.py"})])]
    client = client_for(config)
    loop = ToolLoop(client, config, packed, [], QUESTION, Toolbox(shop), Limits())

    def squeeze(step: api.Step) -> None:
        """The window now holds the request so far and a few tokens more: not the result just made."""
        request = {k: v for k, v in loop.request().items() if k != "max_tokens"}
        loop.window = client.messages.count_tokens(**request).input_tokens + ANSWER_RESERVE + 80
    loop.on_step = squeeze
    documents = len(packed.documents)
    reply = loop.run()
    assert len(packed.documents) == documents  # the packed context was not touched
    sent = bodies(fake_anthropic)
    assert len(sent) == 2 and sent[1]["tool_choice"] == {"type": "none"}
    assert unmarked(sent[1]["messages"])[-1]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_1_0", "is_error": True,
         "content": "Error: this result did not fit the context window."}]
    assert [s.text for s in reply.steps][-1] == "the context window is full: Claude answers from what it has read"
    assert reply.received == [] and reply.error is None


def test_cancel_stops_the_answer_and_keeps_what_arrived(shop: api.Index, settings: Settings,
                                                        fake_anthropic) -> None:
    fake_anthropic.state.reply = "one two three four five six seven eight nine ten"
    conversation = chat(shop, settings, fake_anthropic)
    answer = conversation.ask(QUESTION, on_text=lambda _: conversation.cancel.set())
    assert answer.error == STOPPED and answer.text == "one "
    assert conversation.ask("Again?").error is None  # the next question starts afresh

    def interrupt(text: str) -> None:
        if "three" in text:
            raise KeyboardInterrupt  # Ctrl-C in the CLI; a Streamlit rerun raises the same way
    with pytest.raises(KeyboardInterrupt):
        conversation.ask("Once more?", on_text=interrupt)
    kept = conversation.turns[-1]
    assert kept.question == "Once more?" and kept.error == STOPPED and kept.text == "one two three "
    assert kept.usage.input_tokens > 0  # the stopped request was billed: its tokens still count
    assert conversation.idle.is_set()


def test_onboard_ask_shows_steps_checked_citations_and_cost(shop: api.Index, settings: Settings, fake_anthropic,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from onboard.cli import app

    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    fake_anthropic.state.script = [
        Scripted("Reading on.", [("read_file", {"path": "shop/payments/gateway.py", "start_line": 8}),
                                 ("read_file", {"path": "../secrets"})]),
        Scripted("Charging is `shop/payments/gateway.py:8-11`, not `shop/cart.py:300`."),
    ]
    result = CliRunner().invoke(app, ["ask", "shop", QUESTION, "--budget", "1000", "--model", "claude-haiku-test",
                                      "--tool-rounds", "3", "--home", str(settings.home)])
    assert result.exit_code == 0, result.output
    output = result.output
    assert "Reading on.\n→ read shop/payments/gateway.py:8-11 (" in output  # the step on its own line
    assert "→ read_file refused: '../secrets' is outside the repository" in output
    assert "Charging is `shop/payments/gateway.py:8-11`" in output
    assert "1 of 2 citations verified; unverified: shop/cart.py:300 (those lines do not exist)" in output
    assert "estimated cost $" in output and "(haiku list prices)" in output and "up to 3 tool rounds" in output
