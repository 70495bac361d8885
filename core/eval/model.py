"""The evaluation data model: test sets (rows), configurations (columns) and runs (cells).

Everything is a ``msgspec.Struct`` so it encodes to and decodes from the files described
in docs/FORMAT.md ("Evaluations").
"""

from __future__ import annotations

from typing import Literal

import msgspec

from core.chat import Message, new_id, now

EVAL_VERSION = 1
TESTSET_FORMAT = "chorus-eval-testset"
RUN_FORMAT = "chorus-eval-run"
COLUMNS_FORMAT = "chorus-eval-columns"
JudgeMode = Literal["score", "best"]


class Assertion(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A check of an answer that needs no model (see ``core.eval.assertions``).

    ``value`` is the text, list of texts, regex, JSON Schema or threshold the type takes;
    ``min``/``max`` bound a length. A type starting with ``not-`` passes when the check
    without it fails.
    """

    type: str
    value: object = None
    min: float | None = None
    max: float | None = None


class Row(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str = msgspec.field(default_factory=new_id)
    prompt: str = ""  # a template with {{variables}}
    vars: dict[str, str] = {}
    system: str = ""
    expected: str = ""
    asserts: list[Assertion] = []
    rubric: str = ""  # for the judge; the test set's rubric when empty
    description: str = ""


class TestSet(msgspec.Struct, kw_only=True, omit_defaults=True):
    format: str = TESTSET_FORMAT
    version: int = EVAL_VERSION
    id: str = msgspec.field(default_factory=new_id)
    name: str = "Untitled test set"
    rows: list[Row] = []
    rubric: str = ""  # the judge's default rubric
    created_at: float = msgspec.field(default_factory=now)
    updated_at: float = msgspec.field(default_factory=now)


class Config(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A column: a model, its request fields, and an optional system prompt that
    replaces the row's."""

    id: str = msgspec.field(default_factory=new_id)
    name: str = ""
    model: str = ""
    params: dict[str, object] = {}
    system_prompt: str = ""
    # The values a sweep set in ``params`` (``{"temperature": 0.5}``): the column's place
    # in the sweep's grid, empty for a column made by hand.
    sweep: dict[str, float | int] = {}

    @property
    def label(self) -> str:
        return self.name or self.model or "(no model)"


class ColumnSet(msgspec.Struct, kw_only=True, omit_defaults=True):
    format: str = COLUMNS_FORMAT
    version: int = EVAL_VERSION
    id: str = msgspec.field(default_factory=new_id)
    name: str = ""
    configs: list[Config] = []


class JudgeSpec(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A model that grades answers: a 0–1 score per answer, or the best of a row's."""

    model: str
    params: dict[str, object] = {}
    rubric: str = ""  # the row's, then the test set's, when empty
    mode: JudgeMode = "score"


class Check(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One assertion's outcome: passed True/False, or None when it could not be checked
    (``detail`` says why: an invalid regex or schema, an unknown cost)."""

    label: str
    passed: bool | None
    detail: str = ""


class JudgeResult(msgspec.Struct, kw_only=True, omit_defaults=True):
    model: str
    score: float | None = None  # None when the reply was malformed or the judge failed
    reason: str = ""
    problem: str = ""  # "The judge's reply has no score: …", or the request's error
    raw: str = ""  # the judge's reply as it came
    best: bool | None = None  # best-of mode: this cell is the one the judge picked


class HumanGrade(msgspec.Struct, kw_only=True, omit_defaults=True):
    thumb: int = 0  # 1 up, -1 down, 0 none
    score: int | None = None  # 1–5
    comment: str = ""

    @property
    def empty(self) -> bool:
        return not self.thumb and self.score is None and not self.comment

    def verdict(self) -> bool | None:
        """The person's pass / fail: a thumb, else a score of 3 or more passes."""
        if self.thumb:
            return self.thumb > 0
        if self.score is not None:
            return self.score >= 3
        return None


class Cell(msgspec.Struct, kw_only=True, omit_defaults=True):
    row_id: str
    config_id: str
    repeat: int = 0
    answer: Message | None = None  # None until an answer finished (or failed)
    request: dict[str, object] = {}  # the exact body sent
    problem: str = ""  # why no request could be made (an undefined {{variable}})
    cached: bool = False  # answered from the local cache, not the endpoint
    checks: list[Check] = []
    judge: JudgeResult | None = None
    human: HumanGrade | None = None

    @property
    def key(self) -> str:
        return cell_key(self.row_id, self.config_id, self.repeat)

    @property
    def finished(self) -> bool:
        """An answer arrived whole, or the request failed (a stopped one did not finish)."""
        if self.problem:
            return True
        return self.answer is not None and self.answer.status in ("done", "error")

    @property
    def failed(self) -> bool:
        return bool(self.problem) or (self.answer is not None and self.answer.status == "error")


def cell_key(row_id: str, config_id: str, repeat: int) -> str:
    return f"{row_id}:{config_id}:{repeat}"


class Run(msgspec.Struct, kw_only=True, omit_defaults=True):
    format: str = RUN_FORMAT
    version: int = EVAL_VERSION
    id: str = msgspec.field(default_factory=new_id)
    name: str = ""
    testset: TestSet = msgspec.field(default_factory=TestSet)  # as it was when run
    configs: list[Config] = []
    repeats: int = 1
    judge: JudgeSpec | None = None
    profile: str = ""  # the endpoint profile requests went to
    concurrency: int = 4
    use_cache: bool = False
    cells: list[Cell] = []
    created_at: float = msgspec.field(default_factory=now)
    updated_at: float = msgspec.field(default_factory=now)

    def row(self, row_id: str) -> Row | None:
        return next((r for r in self.testset.rows if r.id == row_id), None)

    def config(self, config_id: str) -> Config | None:
        return next((c for c in self.configs if c.id == config_id), None)

    def cell(self, row_id: str, config_id: str, repeat: int) -> Cell | None:
        key = cell_key(row_id, config_id, repeat)
        return next((c for c in self.cells if c.key == key), None)

    def cells_of(self, row_id: str, config_id: str) -> list[Cell]:
        return [c for c in self.cells if c.row_id == row_id and c.config_id == config_id]
