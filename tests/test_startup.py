"""Start-up (issue 22): the intent classifier is trained once and kept under ``COACHG_HOME/cache``
(keyed by its examples) and read without scikit-learn, ``coachg --help`` lists every command
without importing them, a database at the newest migration opens without Alembic, and a fresh
``coachg ask`` writes no warnings or progress bars and imports neither torch nor the other heavy
libraries a turn does not use. The commands run as real processes."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from agent import intents
from agent.intents import Example, IntentClassifier, cache_key, labelled_examples, train_or_load
from ui import cli

REPO = Path(__file__).resolve().parents[1]
MESSAGES = ["my last 3 runs", "how is my cadence trending", "3x8 squats at 60kg", "hi coach"]
#: What a warning, a traceback or a tqdm bar leaves on stderr.
NOISE = ("Warning", "warning:", "Traceback", "%|", "it/s]", "Loading weights")


def _subset() -> list[Example]:
    """A tenth of the shipped examples, every label kept: quick to train, still a classifier."""
    examples = labelled_examples()
    picked = examples[::10]
    labels = {e.label for e in picked}
    picked += [e for e in examples if e.label not in labels and not labels.add(e.label)]
    return picked


def test_the_classifier_is_trained_once_then_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACHG_HOME", str(tmp_path))
    examples = _subset()
    before = intents.trainings
    trained = train_or_load(examples)
    assert intents.trainings == before + 1
    kept = list((tmp_path / "cache").glob("intent_classifier-*.npz"))
    assert [p.name for p in kept] == [f"intent_classifier-{cache_key(examples)}.npz"]

    started = time.perf_counter()
    loaded = train_or_load(examples)
    seconds = time.perf_counter() - started
    assert intents.trainings == before + 1, "the second load trained again"
    assert seconds < 1.0, f"loading the kept classifier took {seconds:.2f} s"
    for mine, theirs in zip(trained.rank_many(MESSAGES), loaded.rank_many(MESSAGES), strict=True):
        assert [label for label, _ in mine] == [label for label, _ in theirs]
        assert np.allclose([p for _, p in mine], [p for _, p in theirs])

    (tmp_path / "cache" / kept[0].name).write_bytes(b"not a classifier")  # broken: trained again
    train_or_load(examples)
    assert intents.trainings == before + 2


def test_a_changed_example_set_is_a_new_key_and_retrains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACHG_HOME", str(tmp_path))
    examples = _subset()
    added = [*examples, Example("how many kilometres did I do on tuesday", "list_activities")]
    relabelled = [Example(examples[0].text, "smalltalk"), *examples[1:]]
    keys = {cache_key(examples), cache_key(added), cache_key(relabelled)}
    assert len(keys) == 3
    assert cache_key(list(examples)) == cache_key(examples)

    train_or_load(examples)
    before = intents.trainings
    train_or_load(added)
    assert intents.trainings == before + 1, "a changed example set must retrain"
    kept = [p.name for p in (tmp_path / "cache").glob("intent_classifier-*.npz")]
    assert kept == [f"intent_classifier-{cache_key(added)}.npz"], "the stale one stays behind"


def test_ngrams_are_scikit_learns() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyzer = TfidfVectorizer(analyzer="char_wb", ngram_range=intents.NGRAM_RANGE).build_analyzer()
    texts = [
        *MESSAGES,
        "a",
        "ab",
        "abc  def\t\tg",
        "Héllo  WORLD",
        "",
        "  ",
        "İstanbul ﬁne",
        "5′30″/km",
    ]
    for text in texts:
        assert intents.char_ngrams(text) == analyzer(text), text


def test_a_message_is_read_as_scikit_learn_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The classifier ranks with NumPy alone; scikit-learn's own pipeline, fitted on the same
    features, gives the same probabilities."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    monkeypatch.setenv("COACHG_HOME", str(tmp_path))
    examples = _subset()
    ours = train_or_load(examples)
    texts = [intents.normalise(e.text) for e in examples]
    ngrams = TfidfVectorizer(
        analyzer="char_wb", ngram_range=intents.NGRAM_RANGE, sublinear_tf=True, min_df=1
    )

    def features(messages: list[str], fit: bool = False) -> csr_matrix:
        grams = ngrams.fit_transform(messages) if fit else ngrams.transform(messages)
        vectors = ours._embed(messages, keep=False)  # the shipped vectors of training texts
        return hstack([grams, csr_matrix(vectors * intents.EMBEDDING_WEIGHT)]).tocsr()

    model = LogisticRegression(C=intents.C, max_iter=4000)
    model.fit(features(texts, fit=True), [e.label for e in examples])
    assert list(model.classes_) == ours.labels
    asked = [*MESSAGES, "how far was my longest run ever", "zzz", "", "CADENCE?? since march!!"]
    theirs = model.predict_proba(features([intents.normalise(m) for m in asked]))
    assert np.allclose(ours.probabilities(asked), theirs, atol=1e-6)
    loaded = IntentClassifier.load(next((tmp_path / "cache").glob("intent_classifier-*.npz")))
    assert loaded is not None
    assert np.allclose(loaded.probabilities(asked), theirs, atol=1e-6)


def _coachg(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "COACHG_HOME": str(home), "COACHG_LLM": "rules", **env}
    environment.pop("COACHG_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _registered() -> dict[str, str]:
    """Every top-level command word with its help, as the command modules register them."""
    parser = cli.build_parser()  # no argv: every module imported, every parser in full
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {choice.dest: str(choice.help) for choice in commands._choices_actions}


def test_help_lists_every_command_without_importing_them(tmp_path: Path) -> None:
    registered = _registered()
    assert {name: help for name, (_, help) in cli.LISTED.items()} == registered
    for name, (module, _) in cli.LISTED.items():
        assert module in cli.COMMANDS, name

    done = _coachg(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    listed = {line.split()[0] for line in done.stdout.splitlines() if line.startswith("    ")}
    assert set(registered) <= listed

    probe = (
        "import sys, ui.cli as cli\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('agent', 'tools', 'torch', 'gradio', 'sqlalchemy', 'ui.commands.ask')\n"
        "print('LOADED', [m for m in heavy if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip().splitlines()[-1] == "LOADED []", done.stdout + done.stderr


def test_a_fresh_ask_writes_no_warnings_or_progress_bars(tmp_path: Path, shared_data: Path) -> None:
    outer = intents.cache_dir()
    intents.train_or_load()  # kept under the outer COACHG_HOME (trained there if missing)
    home = tmp_path / "home"
    shutil.copytree(outer, home / "cache")  # so the ask below loads it rather than training
    fit = shared_data / "activity_files" / "fit" / "fitparse__garmin-fenix-5-run.fit"
    done = _coachg(home, "--user", "ann", "import", str(fit))
    assert done.returncode == 0, done.stderr

    # Warnings shown as they would be to a developer (-W default): a ResourceWarning too.
    done = _coachg(home, "--user", "ann", "ask", "my last 3 runs", PYTHONWARNINGS="default")
    assert done.returncode == 0, done.stderr
    assert "Fenix" in done.stdout or "run" in done.stdout.lower()
    noisy = [line for line in done.stderr.splitlines() if any(n in line for n in NOISE)]
    assert noisy == [], done.stderr
    assert "trained" not in done.stderr, "the kept classifier was trained again"


def test_a_migrated_database_is_opened_without_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from storage import db as storage_db

    config = Config()
    config.set_main_option("script_location", str(storage_db.MIGRATIONS))
    assert [storage_db.head_revision()] == ScriptDirectory.from_config(config).get_heads()

    upgrades: list[str] = []
    real_upgrade = command.upgrade
    monkeypatch.setattr(command, "upgrade", lambda c, r: upgrades.append(r) or real_upgrade(c, r))
    url = f"sqlite:///{tmp_path / 'coachg.db'}"
    storage_db.Database(url)
    assert upgrades == ["head"], "a new database is migrated"
    storage_db.Database(url)
    assert upgrades == ["head"], "a database at the head is left alone"

    engine = storage_db.make_engine(url)
    with engine.begin() as connection:  # as if written by the version before the last migration
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    before = storage_db.schema_revisions(engine)
    assert before == ["0001"]
    monkeypatch.setattr(command, "upgrade", lambda c, r: upgrades.append(r))
    storage_db.migrate(engine)
    assert upgrades == ["head", "head"], "an older database is migrated"


def test_the_head_is_not_guessed_from_unclear_migrations(tmp_path: Path) -> None:
    from storage.db import head_revision

    def write(name: str, body: str) -> None:
        (tmp_path / f"{name}.py").write_text(body, encoding="utf-8")

    write("a", 'revision = "a"\ndown_revision = None\n')
    write("b", 'revision: str = "b"\ndown_revision: str | None = "a"\n')
    assert head_revision(tmp_path) == "b"
    write("c", "revision = 'c'\ndown_revision = 'a'\n")  # a branch: two heads
    assert head_revision(tmp_path) is None
    write("d", 'revision = "d"\ndown_revision = ("b", "c")\n')  # merged again
    assert head_revision(tmp_path) == "d"
    write("e", "revision = make_revision()\ndown_revision = 'd'\n")
    assert head_revision(tmp_path) is None


#: Heavy modules a chat turn must not import (the first one in a fresh process included).
NOT_FOR_A_TURN = (
    "torch",
    "transformers",
    "sentence_transformers",
    "sklearn",
    "mediapipe",
    "chromadb",
    "gradio",
    "stravalib",
    "huey",
    "alembic",
    "matplotlib",
    "scipy",
    "cv2",
    "av",
    "ruptures",
    "pandas",
)


def test_a_chat_turn_in_a_fresh_process_imports_no_torch(tmp_path: Path, shared_data: Path) -> None:
    """Both a question that is a training example and a new one (read by the embedding model on
    ONNX Runtime), in a fresh process as ``coachg ask`` runs it."""
    outer = intents.cache_dir()
    intents.train_or_load()  # kept under the outer COACHG_HOME (trained there if missing)
    home = tmp_path / "home"
    shutil.copytree(outer, home / "cache")
    fit = shared_data / "activity_files" / "fit" / "fitparse__garmin-fenix-5-run.fit"
    assert _coachg(home, "--user", "ann", "import", str(fit)).returncode == 0
    probe = (
        "import sys\n"
        "from ui import cli\n"
        "for question in sys.argv[1:]:\n"
        "    cli.main(['--user', 'ann', 'ask', question])\n"
        f"heavy = {NOT_FOR_A_TURN!r}\n"
        "print('LOADED', sorted(m for m in heavy if m in sys.modules),"
        " 'onnxruntime' in sys.modules)\n"
    )
    environment = {**os.environ, "COACHG_HOME": str(home), "COACHG_LLM": "rules"}
    environment.pop("COACHG_DATABASE_URL", None)
    new = "how far did I run on my longest run ever, roughly?"
    assert intents.normalise(new) not in intents._embedded, "it must be a new text"
    done = subprocess.run(
        [sys.executable, "-c", probe, "my last 3 runs", new],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "LOADED [] True", done.stdout + done.stderr


def test_a_coachg_process_imports_with_the_collector_paused_then_frozen() -> None:
    """``coachg`` (``main()`` reading the process's own argv) imports its command with the
    cyclic garbage collector paused, then freezes what was imported and collects again; a test
    or a script calling ``main(argv)`` keeps its collector as it was."""
    import gc

    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    with cli._collector_paused(False):
        assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
    try:
        with cli._collector_paused(True):
            assert not gc.isenabled()
            kept = [object() for _ in range(10)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen + len(kept)
    finally:
        gc.unfreeze()
    gc.disable()
    try:
        with cli._collector_paused(True):  # already off (someone else's choice): left alone
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
