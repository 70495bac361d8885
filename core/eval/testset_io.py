"""Test sets from and to CSV, JSONL and promptfoo configs; rows from a chat.

Importing never stops at the first bad line: every row that can be read is kept, and
each problem names its line or test (``ImportResult.problems``). A file that cannot be
read at all (no ``prompt`` column, not YAML) raises :class:`ImportProblem`.

CSV: a ``prompt`` column (a template), optional ``system``, ``expected``,
``description``, ``rubric``, ``assert`` (a JSON list of assertions) and promptfoo's
``__expected`` columns (``contains: Paris``); every other column is a variable.
JSONL: one object a line with ``prompt``, ``vars``, ``system``, ``expected``, ``assert``.
promptfoo: ``prompts`` × ``tests`` (``vars``, ``assert``, ``description``),
``defaultTest``, and ``providers`` as configurations.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from core.chat import Chat
from core.eval.assertions import parse_shorthand
from core.eval.model import Assertion, Config, Row, TestSet

KNOWN_COLUMNS = ("prompt", "system", "expected", "description", "rubric", "assert")


class ImportProblem(ValueError):
    """The file cannot be read as a test set at all."""


@dataclass
class ImportResult:
    testset: TestSet
    problems: list[str] = field(default_factory=list)  # one per line or test left out or mended
    configs: list[Config] = field(default_factory=list)  # promptfoo providers


def _assertions(raw: object, where: str, problems: list[str]) -> list[Assertion]:
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return [parse_shorthand(str(raw))]
    items = raw if isinstance(raw, list) else [raw]
    out: list[Assertion] = []
    for item in items:
        if isinstance(item, str):
            out.append(parse_shorthand(item))
            continue
        if not isinstance(item, dict) or "type" not in item:
            problems.append(f"{where}: an assertion without a type was left out ({item!r}).")
            continue
        value = item.get("value")
        if value is None and "threshold" in item:
            value = item["threshold"]
        lo, hi = item.get("min"), item.get("max")
        out.append(
            Assertion(
                type=str(item["type"]),
                value=value,
                min=float(lo) if isinstance(lo, int | float) else None,
                max=float(hi) if isinstance(hi, int | float) else None,
            )
        )
    return out


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


# --- CSV ---------------------------------------------------------------------------


def read_csv(text: str, name: str = "Imported test set") -> ImportResult:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ImportProblem("The CSV file is empty.") from None
    except csv.Error as exc:
        raise ImportProblem(f"The CSV file cannot be read: {exc}.") from None
    if "prompt" not in [h.lower() for h in header]:
        shown = ", ".join(header) or "none"
        raise ImportProblem(
            f"The CSV has no “prompt” column (its columns: {shown}). Add a column named "
            "prompt holding each row's question; other columns become {{variables}}."
        )
    lower = [h.lower() for h in header]
    problems: list[str] = []
    rows: list[Row] = []
    try:
        for line_no, fields in enumerate(reader, start=2):
            if not any(f.strip() for f in fields):
                continue
            if len(fields) != len(header):
                problems.append(
                    f"Line {line_no}: {len(fields)} fields where the header has "
                    f"{len(header)}; missing ones are empty, extra ones were left out."
                )
                fields = (fields + [""] * len(header))[: len(header)]
            rows.append(_csv_row(header, lower, fields, line_no, problems))
    except csv.Error as exc:
        problems.append(f"Reading stopped at line {reader.line_num}: {exc}.")
    return ImportResult(TestSet(name=name, rows=rows), problems)


def _csv_row(
    header: list[str], lower: list[str], fields: list[str], line_no: int, problems: list[str]
) -> Row:
    row = Row()
    where = f"Line {line_no}"
    for key, low, value in zip(header, lower, fields, strict=True):
        if low == "prompt":
            row.prompt = value
        elif low == "system":
            row.system = value
        elif low == "expected":
            row.expected = value
        elif low == "description":
            row.description = value
        elif low == "rubric":
            row.rubric = value
        elif low == "assert":
            row.asserts += _assertions(value, where, problems)
        elif low.startswith("__expected"):
            if value.strip():
                row.asserts.append(parse_shorthand(value))
        elif not key.startswith("__"):
            row.vars[key] = value
    return row


def write_csv(testset: TestSet) -> str:
    names = list(dict.fromkeys(k for r in testset.rows for k in r.vars))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*KNOWN_COLUMNS, *names])
    for r in testset.rows:
        asserts = (
            json.dumps(msgspec.to_builtins(r.asserts), ensure_ascii=False) if r.asserts else ""
        )
        writer.writerow(
            [r.prompt, r.system, r.expected, r.description, r.rubric, asserts]
            + [r.vars.get(n, "") for n in names]
        )
    return out.getvalue()


# --- JSONL -------------------------------------------------------------------------


def read_jsonl(text: str, name: str = "Imported test set") -> ImportResult:
    problems: list[str] = []
    rows: list[Row] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            problems.append(f"Line {line_no} is not JSON ({exc}); it was left out.")
            continue
        if not isinstance(obj, dict):
            problems.append(f"Line {line_no} is not a JSON object; it was left out.")
            continue
        where = f"Line {line_no}"
        variables = obj.get("vars") or {}
        if not isinstance(variables, dict):
            problems.append(f"{where}: “vars” is not an object; it was ignored.")
            variables = {}
        if not obj.get("prompt"):
            problems.append(f"{where} has no “prompt”; its prompt is empty.")
        rows.append(
            Row(
                prompt=_text(obj.get("prompt")),
                vars={str(k): _text(v) for k, v in variables.items()},
                system=_text(obj.get("system")),
                expected=_text(obj.get("expected")),
                description=_text(obj.get("description")),
                rubric=_text(obj.get("rubric")),
                asserts=_assertions(obj.get("assert"), where, problems),
            )
        )
    return ImportResult(TestSet(name=name, rows=rows), problems)


def write_jsonl(testset: TestSet) -> str:
    lines = []
    for r in testset.rows:
        obj: dict[str, Any] = {"prompt": r.prompt}
        if r.vars:
            obj["vars"] = r.vars
        for key in ("system", "expected", "description", "rubric"):
            if getattr(r, key):
                obj[key] = getattr(r, key)
        if r.asserts:
            obj["assert"] = msgspec.to_builtins(r.asserts)
        lines.append(json.dumps(obj, ensure_ascii=False))
    return "\n".join(lines) + ("\n" if lines else "")


# --- promptfoo ---------------------------------------------------------------------


def _prompt_texts(raw: object, base: Path | None, problems: list[str]) -> list[str]:
    items = raw if isinstance(raw, list) else [raw] if raw else []
    texts: list[str] = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("raw") or item.get("content") or item.get("id") or ""
        text = str(item)
        if text.startswith("file://"):
            path = Path(text[len("file://") :])
            if base is not None and not path.is_absolute():
                path = base / path
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                problems.append(f"The prompt file {path} cannot be read ({exc.strerror}).")
                continue
        texts.append(text)
    return texts


def _providers(raw: object) -> list[Config]:
    items = raw if isinstance(raw, list) else [raw] if raw else []
    configs = []
    for item in items:
        if isinstance(item, str):
            pid, params, label = item, {}, ""
        elif isinstance(item, dict):
            pid = str(item.get("id", ""))
            config = item.get("config")
            params = dict(config) if isinstance(config, dict) else {}
            label = str(item.get("label", ""))
        else:
            continue
        model = pid.split(":", 2)[-1] if ":" in pid else pid
        configs.append(Config(name=label or model, model=model, params=params))
    return configs


def read_promptfoo(text: str, base: Path | None = None, name: str = "") -> ImportResult:
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ImportProblem(f"The promptfoo config is not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise ImportProblem("The promptfoo config is not a mapping with prompts and tests.")
    problems: list[str] = []
    prompts = _prompt_texts(doc.get("prompts"), base, problems)
    if not prompts:
        raise ImportProblem("The promptfoo config has no “prompts”.")
    found = doc.get("defaultTest")
    default: dict[str, Any] = found if isinstance(found, dict) else {}
    found_vars = default.get("vars")
    default_vars: dict[str, Any] = found_vars if isinstance(found_vars, dict) else {}
    default_asserts = _assertions(default.get("assert"), "defaultTest", problems)
    tests = doc.get("tests") or [{}]
    if not isinstance(tests, list):
        problems.append("“tests” is not a list: one test without variables was used.")
        tests = [{}]
    rows: list[Row] = []
    for n, test in enumerate(tests, start=1):
        if not isinstance(test, dict):
            problems.append(f"Test {n} is not a mapping; it was left out.")
            continue
        variables = test.get("vars") or {}
        if not isinstance(variables, dict):
            problems.append(f"Test {n}: “vars” is not a mapping; it was ignored.")
            variables = {}
        merged = {str(k): _text(v) for k, v in {**default_vars, **variables}.items()}
        asserts = default_asserts + _assertions(test.get("assert"), f"Test {n}", problems)
        rubric = next((str(a.value) for a in asserts if a.type == "llm-rubric"), "")
        for prompt in prompts:
            rows.append(
                Row(
                    prompt=prompt,
                    vars=merged,
                    asserts=asserts,
                    rubric=rubric,
                    description=str(test.get("description") or ""),
                )
            )
    title = str(doc.get("description") or name or "promptfoo config")
    return ImportResult(TestSet(name=title, rows=rows), problems, _providers(doc.get("providers")))


def write_promptfoo(testset: TestSet, configs: Iterable[Config] = ()) -> str:
    import yaml

    prompts = list(dict.fromkeys(r.prompt for r in testset.rows))
    one_prompt = len(prompts) == 1
    tests: list[dict[str, Any]] = []
    for r in testset.rows:
        variables: dict[str, str] = dict(r.vars)
        if not one_prompt:
            variables["prompt"] = r.prompt
        test: dict[str, Any] = {"vars": variables}
        if r.description:
            test["description"] = r.description
        asserts = msgspec.to_builtins(r.asserts)
        if r.expected and not r.asserts:
            asserts = [{"type": "equals", "value": r.expected}]
        if asserts:
            test["assert"] = asserts
        tests.append(test)
    doc: dict[str, Any] = {
        "description": testset.name,
        "prompts": prompts if one_prompt else ["{{prompt}}"],
        "tests": tests,
    }
    providers = [
        {
            "id": f"openai:chat:{c.model}",
            "label": c.label,
            **({"config": c.params} if c.params else {}),
        }
        for c in configs
    ]
    if providers:
        doc["providers"] = providers
    return str(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))


# --- from files and chats --------------------------------------------------------------


def read_file(path: Path) -> ImportResult:
    """A test set from ``path`` (CSV, JSONL, or a promptfoo YAML/JSON config)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImportProblem(f"{path.name} cannot be read: {exc.strerror or exc}.") from None
    except UnicodeDecodeError:
        raise ImportProblem(f"{path.name} is not UTF-8 text.") from None
    suffix = path.suffix.lower()
    name = path.stem
    if suffix == ".csv":
        return read_csv(text, name)
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(text, name)
    if suffix in (".yaml", ".yml", ".json"):
        return read_promptfoo(text, path.parent, name)
    raise ImportProblem(
        f"{path.name}: Chorus reads test sets from .csv, .jsonl and promptfoo .yaml/.json files."
    )


def rows_from_chat(chat: Chat) -> list[Row]:
    """One row per question of ``chat`` (each column's of a comparison, without repeats)."""
    prompts: list[str] = []
    for holder in (chat, *chat.columns):
        for message in holder.branch():
            if message.role == "user" and message.content.strip():
                prompts.append(message.content)
    system = chat.system_prompt
    return [Row(prompt=p, system=system) for p in dict.fromkeys(prompts)]
