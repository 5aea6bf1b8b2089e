"""The LLM backends on real (tiny) models and a real loopback server: the agent uses a valid
call, survives garbage, and never lets an invented number through."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from agent.coach import Coach
from models.llm import RulesBackend, load_backend
from models.llm_openai import OpenAIBackend
from models.llm_transformers import TransformersBackend, merge_system
from storage.activities import list_activities as stored_activities
from storage.db import Database
from storage.settings import Settings
from tests.conftest import People
from tools.registry import get_tool

VAGUE = "gimme the rundown on my stuff"


class ChatServer:
    """A loopback OpenAI-compatible server answering with queued replies."""

    def __init__(self, replies: list[str]) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "body": body})
                content = outer.replies.pop(0) if outer.replies else ""
                data = json.dumps(
                    {"choices": [{"message": {"role": "assistant", "content": content}}]}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    server = ChatServer([])
    yield server
    server.close()


def test_openai_backend_call_is_validated_and_grounded_reply_used(
    db: Database, settings: Settings, people: People, ann_runs: None, chat_server: ChatServer
) -> None:
    call = {
        "tool": "list_activities",
        "args": {"sport": "run", "since": "2015-01-01", "until": "2015-12-31"},
    }
    chat_server.replies = [
        '{"tool": "list_activities", "args": {"sport": "run", "bogus": 1}}',  # invalid: retried
        json.dumps(call),
        "Here is what you ran: {total_distance} in {count}.",
    ]
    backend = OpenAIBackend(chat_server.url, "tiny")
    reply = Coach(db, settings, llm=backend, today=date(2025, 10, 20)).turn(people.ann, VAGUE)
    assert reply.backend == "openai"
    assert [(c.name, c.args) for c in reply.tool_calls] == [
        ("list_activities", get_tool("list_activities").validate(call["args"]))
    ]
    facts = {f.name: f for f in reply.results[0].facts}
    assert reply.text.startswith(
        f"Here is what you ran: {facts['total_distance'].render()} in {facts['count'].render()}."
    )
    first = chat_server.requests[0]
    assert first["path"] == "/v1/chat/completions"
    assert first["body"]["model"] == "tiny"
    assert [m["role"] for m in first["body"]["messages"]] == ["system", "user"]
    assert "list_activities" in first["body"]["messages"][0]["content"]
    retry = chat_server.requests[1]["body"]["messages"]
    assert "not valid" in retry[-1]["content"]


def test_invented_numbers_fall_back_to_the_template(
    db: Database, settings: Settings, people: People, ann_runs: None, chat_server: ChatServer
) -> None:
    chat_server.replies = [
        '{"tool": "list_activities", "args": {"sport": "run"}}',
        "You ran 123.4 km at 4:05 per km, a huge week!",
    ]
    coach = Coach(db, settings, llm=OpenAIBackend(chat_server.url, "tiny"))
    reply = coach.turn(people.ann, VAGUE)
    assert "123.4" not in reply.text
    total = next(f for f in reply.results[0].facts if f.name == "total_distance")
    assert f"{total.value:.2f} km" in reply.text  # the listing's total, to the metre


def test_a_model_cannot_point_a_tool_at_files_on_the_machine(
    db: Database, settings: Settings, people: People, shared_data: Path, chat_server: ChatServer
) -> None:
    """Only files attached to the turn reach import and video tools: a path the model wrote
    (here, Ann's files, asked for by Bob) becomes a request to attach files instead."""
    anns_files = str(shared_data / "activity_files" / "gpx")
    chat_server.replies = [
        json.dumps({"tool": "import_activities", "args": {"paths": [anns_files]}})
    ]
    coach = Coach(db, settings, llm=OpenAIBackend(chat_server.url, "tiny"))
    asked = coach.turn(people.bob, VAGUE)
    assert asked.tool_calls == [] and asked.pending is None
    assert "Attach" in asked.text
    assert coach.turn(people.bob, "yes").tool_calls == []
    with db.session() as session:
        assert stored_activities(session, people.bob, people.bob.id) == []

    # With a file attached, the model's call is kept but takes the attached file.
    mine = sorted((shared_data / "activity_files" / "tcx").glob("*.tcx"))[0]
    chat_server.replies = [
        json.dumps({"tool": "import_activities", "args": {"paths": [anns_files]}})
    ]
    done = coach.turn(people.bob, VAGUE, attachments=[str(mine)])
    calls = [c for c in [*done.tool_calls, *([done.pending] if done.pending else [])]]
    assert [(c.name, c.args["paths"]) for c in calls] == [("import_activities", [str(mine)])]


def test_missing_model_falls_back_to_rules(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path,
        database_url="sqlite://",
        llm="transformers",
        llm_model=str(tmp_path / "no-such-model"),
    )
    backend = load_backend(settings)
    assert isinstance(backend, RulesBackend) and backend.reason


def _tiny_gemma(folder: Path) -> Path:
    """A random-weight Gemma 2 with a word-level tokenizer and Gemma's chat template."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import Gemma2Config, Gemma2ForCausalLM, PreTrainedTokenizerFast

    words = ["run", "runs", "my", "the", "what", "did", "i", "in", "last", "week", "json"]
    specials = ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>"]
    vocab = {token: index for index, token in enumerate(specials + words + ["user", "model"])}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    template = (
        "{{ bos_token }}{% for m in messages %}"
        "{% if m['role'] == 'system' %}{{ raise_exception('no system role') }}{% endif %}"
        "<start_of_turn>{{ 'model' if m['role'] == 'assistant' else m['role'] }} "
        "{{ m['content'] }}<end_of_turn> {% endfor %}"
        "{% if add_generation_prompt %}<start_of_turn>model {% endif %}"
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<bos>",
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="<unk>",
        chat_template=template,
    )
    config = Gemma2Config(
        vocab_size=len(vocab),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=8,
        max_position_embeddings=2048,
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=2,
    )
    Gemma2ForCausalLM(config).save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


def test_transformers_backend_runs_a_local_gemma2_and_survives_garbage(
    db: Database, settings: Settings, people: People, tmp_path: Path
) -> None:
    backend = TransformersBackend(str(_tiny_gemma(tmp_path / "tiny-gemma2")))
    text = backend.generate(
        [{"role": "system", "content": "be brief"}, {"role": "user", "content": "my last run"}],
        max_tokens=5,
    )
    assert isinstance(text, str)  # random weights: words, but no valid call
    reply = Coach(db, settings, llm=backend).turn(people.ann, VAGUE)
    assert reply.backend == "transformers"
    assert reply.tool_calls == [] and "not sure" in reply.text


def test_system_text_moves_into_the_first_user_turn() -> None:
    merged = merge_system([{"role": "system", "content": "S"}, {"role": "user", "content": "U"}])
    assert merged == [{"role": "user", "content": "S\n\nU"}]
