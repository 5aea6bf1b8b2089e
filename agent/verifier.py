"""The grounding check: every number in a reply must come from a tool (or from the user).

A number in the reply is grounded when it equals, at the precision it is written with, a fact
value, or appears in text a tool produced (its message, reasons, caveats, data values, the
arguments it was called with) or in the user's own message. Anything else - a number the
language model made up - fails the reply, and the template reply is used instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from tools.result import ToolResult

NUMBER = re.compile(r"(?<![\w.])-?\d+(?:[.,]\d+)?")
#: A numbered list's "2." at the start of a line: a place in the reply, not a figure.
LIST_MARKER = re.compile(r"^\s*\d{1,2}\.\s", re.M)


def numbers_in(text: str) -> list[str]:
    """The numbers written in ``text``, as written (ISO dates give their parts)."""
    return [m.group(0).replace(",", ".") for m in NUMBER.finditer(text)]


def _flatten(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _flatten(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _flatten(item)
    elif value is not None:
        yield str(value)


def _matches(written: str, value: float) -> bool:
    decimals = len(written.split(".")[1]) if "." in written else 0
    return abs(float(written) - value) <= 0.5 * 10**-decimals + 1e-9


def ungrounded_numbers(
    reply: str, results: list[ToolResult], args: list[dict[str, Any]], user_message: str
) -> list[str]:
    """The numbers of ``reply`` that no tool produced and the user did not write."""
    values: list[float] = []
    texts = [user_message]
    for result in results:
        for fact in result.facts:
            if isinstance(fact.value, (int, float)):
                values.append(float(fact.value))
            texts.append(fact.render())
        texts += [result.message, *result.reasons, *result.caveats]
        for finding in result.findings:  # its wording is code's; its figures are facts by name
            texts += [finding.verdict, *finding.evidence, finding.action, finding.margin]
            texts.append(finding.source)
        texts += list(_flatten(result.data))
    texts += [s for a in args for s in _flatten(a)]
    known = {n for text in texts for n in numbers_in(text)}
    known_values = [float(n) for n in known]
    return [
        written
        for written in numbers_in(LIST_MARKER.sub("", reply))
        if written not in known
        and not any(_matches(written, v) for v in values)
        and not any(_matches(written, v) for v in known_values if "." in written)
    ]


def is_grounded(
    reply: str, results: list[ToolResult], args: list[dict[str, Any]], user_message: str
) -> bool:
    return not ungrounded_numbers(reply, results, args, user_message)
