"""The locust file of :mod:`evals.load_test`: people of the club chatting through the REST API
(``POST /api/v1/ask``), each with their own token, a think time between messages, and coaches
asking about their linked athletes.

Read from the environment (set by :mod:`evals.load_test`):
``COACHG_LOAD_PEOPLE`` (the JSON of :meth:`evals.load_seed.Club.write`),
``COACHG_LOAD_HOSTS`` (web servers, comma-separated: each person keeps one, round robin) and
``COACHG_LOAD_THINK`` (``min,max`` seconds between one person's messages).
"""

from __future__ import annotations

import itertools
import json
import os
import random

from locust import HttpUser, between, task

PEOPLE = json.loads(open(os.environ["COACHG_LOAD_PEOPLE"]).read())  # noqa: SIM115
HOSTS = os.environ.get("COACHG_LOAD_HOSTS", "http://127.0.0.1:7860").split(",")
THINK = [float(x) for x in os.environ.get("COACHG_LOAD_THINK", "5,15").split(",")]
# Athletes and coaches in turn, so a small run has both.
_ATHLETES = [p for p in PEOPLE if p["role"] == "athlete"]
_COACHES = [p for p in PEOPLE if p["role"] == "coach"]
_ORDER = [p for pair in itertools.zip_longest(_COACHES, _ATHLETES) for p in pair if p]
_NEXT = itertools.count()

#: What runners ask (the README's examples and the exams' kinds: totals, lists, judgements,
#: trends, load, knowledge); none of them writes, so no turn waits for a "yes".
ATHLETE_QUESTIONS = (
    "How many km did I run last month?",
    "my last 5 runs",
    "why does cadence matter?",
    "am I overtraining?",
    "how is my training load?",
    "is my long run too long?",
    "what was my longest run this year?",
    "how has my cadence changed since March?",
    "how many runs did I do in the last 4 weeks?",
    "what should I do tomorrow?",
)
#: What coaches ask, about one of their athletes (sent as ``athlete``).
COACH_QUESTIONS = (
    "how many km did {name} run last month?",
    "{name}'s last 5 runs",
    "is {name} overtraining?",
    "how is {name}'s training load?",
    "how has {name}'s cadence changed this year?",
)


class ChatUser(HttpUser):
    """One person of the club, chatting: a question, then a pause to read and think."""

    host = HOSTS[0]
    wait_time = between(THINK[0], THINK[1])

    def on_start(self) -> None:
        n = next(_NEXT)
        self.person = _ORDER[n % len(_ORDER)]
        self.base = HOSTS[n % len(HOSTS)]
        self.headers = {"Authorization": f"Bearer {self.person['token']}"}
        self.random = random.Random(n)

    @task
    def ask(self) -> None:
        if self.person["role"] == "coach" and self.person["athletes"]:
            name = self.random.choice(self.person["athletes"])
            body = {"message": self.random.choice(COACH_QUESTIONS).format(name=name)}
            body["athlete"] = name
        else:
            body = {"message": self.random.choice(ATHLETE_QUESTIONS)}
        with self.client.post(
            f"{self.base}/api/v1/ask",
            json=body,
            headers=self.headers,
            name="POST /api/v1/ask",
            catch_response=True,
            timeout=300,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
            elif not (response.json().get("reply") or "").strip():
                response.failure("an empty reply")
