"""The Chroma store with the real embedding model: relevant notes, private history."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.composer import compose
from knowledge.notes import Passage, load_passages
from knowledge.store import KnowledgeStore, make_client
from storage.settings import Settings
from tests.conftest import People
from tools.context import ToolContext
from tools.knowledge import search_knowledge


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeStore:
    home = tmp_path_factory.mktemp("knowledge")
    return KnowledgeStore(make_client(Settings(home=home, database_url="sqlite://")))


def test_every_note_passage_names_its_source() -> None:
    passages = load_passages()
    assert len(passages) >= 10
    for passage in passages:
        assert passage.text and passage.source, passage.id
        assert any(ch.isdigit() for ch in passage.source), f"{passage.id}: source without a year"


def test_notes_are_found_by_meaning_and_indexed_once(store: KnowledgeStore) -> None:
    assert store.index_notes() == len(load_passages())
    assert store.index_notes() == 0  # unchanged notes are not embedded again
    hits = store.search("should I take more steps per minute to protect my knees?", [])
    assert hits[0].kind == "note"
    assert "Heiderscheit" in hits[0].source
    hits = store.search("how much lifting in the gym helps against injuries", [])
    assert "Lauersen" in hits[0].source


def test_removed_note_sections_leave_the_index(store: KnowledgeStore) -> None:
    passages = load_passages()
    gone = Passage("old-1", "Old note", "A section since removed", "Removed.", "Nobody 2000.")
    store.index_notes([*passages, gone])
    assert any(h.id == "old-1" for h in store.search("a section since removed", [], k=99))
    assert store.index_notes() == 0  # the others are unchanged
    assert all(h.id != "old-1" for h in store.search("a section since removed", [], k=99))


def test_history_is_only_returned_to_those_who_may_see_it(store: KnowledgeStore) -> None:
    store.add_history(1, "gait-1", "Gait analysis: left knee collapses inward at landing.")
    store.add_history(2, "gait-1", "Gait analysis: right knee collapses inward at landing.")
    mine = [h for h in store.search("knee collapses inward", [1]) if h.kind == "history"]
    assert [h.athlete_id for h in mine] == [1]
    nobody = [h for h in store.search("knee collapses inward", []) if h.kind == "history"]
    assert nobody == []
    store.forget_athlete(1)
    assert [h for h in store.search("knee", [1]) if h.kind == "history"] == []


def test_search_tool_scopes_history_to_the_athlete(db, people: People, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url=db.url)
    store = KnowledgeStore.open(settings)
    store.add_history(
        people.bob.id, "chat-1", "Bob said his Achilles tendon hurts after hill repeats."
    )
    store.add_history(people.ann.id, "chat-1", "Ann said her Achilles tendon hurts after hills.")
    as_ann = ToolContext(db=db, actor=people.ann, settings=settings)
    result = search_knowledge(as_ann, "Achilles tendon pain after hill repeats")
    history = [hit["text"] for hit in result.data["hits"] if hit["kind"] == "history"]
    assert history == ["Ann said her Achilles tendon hurts after hills."]
    assert "Ann said" in compose(result) and "Bob" not in compose(result)
    as_coach = ToolContext(db=db, actor=people.cora, settings=settings, athlete_id=people.ann.id)
    coached = search_knowledge(as_coach, "Achilles tendon pain after hill repeats")
    assert "Ann said" in compose(coached) and "Bob" not in str(coached.data)
    as_bob = ToolContext(db=db, actor=people.bob, settings=settings)
    assert "Ann" not in str(search_knowledge(as_bob, "Achilles tendon pain after hills").data)
    with pytest.raises(PermissionError):
        ToolContext(db=db, actor=people.cora, settings=settings, athlete_id=people.bob.id)
