"""A parameter sweep as evaluation columns: the configurations it makes, the grid read
back from them, and what each grid point's answers come to."""

from __future__ import annotations

import msgspec
import pytest

from core.chat import Message
from core.eval.columns import point_stats, point_texts, sweep_configs, sweep_grid, sweep_testset
from core.eval.model import Config, Run
from core.eval.runs import new_run
from core.sweep import SweepError, cell_stats


def test_a_sweep_makes_one_marked_column_per_point_row_major() -> None:
    axes = [("temperature", [0.0, 1.0]), ("top_p", [0.5, 1.0])]
    configs = sweep_configs("gpt-4o", {"max_tokens": 50}, axes)
    assert [c.sweep for c in configs] == [
        {"temperature": 0.0, "top_p": 0.5},
        {"temperature": 0.0, "top_p": 1.0},
        {"temperature": 1.0, "top_p": 0.5},
        {"temperature": 1.0, "top_p": 1.0},
    ]
    assert configs[1].name == "gpt-4o · temperature 0 · top_p 1"
    assert configs[1].params == {"max_tokens": 50, "temperature": 0.0, "top_p": 1.0}
    assert {c.model for c in configs} == {"gpt-4o"}
    with pytest.raises(SweepError, match="between"):
        sweep_configs("gpt-4o", {}, [("temperature", [9.0])])


def test_the_grid_is_read_back_from_the_columns_in_the_sweeps_order() -> None:
    configs = sweep_configs("m", {}, [("temperature", [1.0, 0.0]), ("top_p", [0.9, 0.5])])
    by_hand = Config(name="by hand", model="other")
    grid = sweep_grid([by_hand, *configs])
    assert grid is not None
    assert grid.axes == [("temperature", [1.0, 0.0]), ("top_p", [0.9, 0.5])]
    assert grid.points == configs  # row-major; the column made by hand is no point
    assert grid.rows == ["temperature 1", "temperature 0"]
    assert grid.columns == ["top_p 0.9", "top_p 0.5"]
    one = sweep_grid(sweep_configs("m", {}, [("max_tokens", [64, 128])]))
    assert one is not None and one.columns == [""]
    assert one.rows == ["max_tokens 64", "max_tokens 128"]


def test_no_grid_without_a_sweep_or_with_a_point_missing() -> None:
    assert sweep_grid([Config(model="m")]) is None
    configs = sweep_configs("m", {}, [("temperature", [0.0, 1.0]), ("top_p", [0.5, 1.0])])
    assert sweep_grid(configs[:3]) is None
    assert sweep_grid([*configs, msgspec.structs.replace(configs[0], id="again")]) is None


def test_the_sweep_field_survives_a_run_file_and_is_left_out_when_empty() -> None:
    configs = [*sweep_configs("m", {}, [("temperature", [0.5])]), Config(model="m")]
    data = msgspec.json.encode(new_run(sweep_testset("Hello"), configs, 1))
    run = msgspec.json.decode(data, type=Run)
    assert run.configs[0].sweep == {"temperature": 0.5}
    assert b'"sweep"' in data and data.count(b'"sweep"') == 1


def test_a_sweep_of_one_prompt_is_a_test_set_of_one_row() -> None:
    testset = sweep_testset("  Write a   haiku about the sea, in the style of Basho please  ", "Be")
    assert [(r.prompt, r.system) for r in testset.rows] == [
        ("  Write a   haiku about the sea, in the style of Basho please  ", "Be")
    ]
    assert testset.name == "Sweep: Write a haiku about the sea, in the…"


def test_a_points_answers_by_row_and_their_statistics() -> None:
    configs = sweep_configs("m", {}, [("temperature", [0.0, 1.0])])
    run = new_run(sweep_testset("q"), configs, 2)
    first, second = run.testset.rows[0].id, configs[0].id
    for cell, text in zip(run.cells, ["a b c", "a b d", "x", "y"], strict=True):
        cell.answer = Message(role="assistant", content=text, status="done")
    run.cells[3].answer = Message(role="assistant", content="cut", status="error")
    assert point_texts(run, second) == {first: ["a b c", "a b d"]}
    assert point_texts(run, configs[1].id) == {first: ["x"]}
    assert point_stats(point_texts(run, second)) == cell_stats(["a b c", "a b d"])


def test_across_rows_lengths_pool_and_variety_is_measured_within_each_row() -> None:
    by_row = {"r1": ["a a", "a a"], "r2": ["b c d e", "f g h i"]}
    stats = point_stats(by_row)
    assert stats.count == 4
    assert stats.mean_chars == pytest.approx((3 + 3 + 7 + 7) / 4)
    # identical answers in r1 (similarity 1), nothing shared in r2 (0): 0.5, not the
    # near 0 that pooling answers to different questions would give
    assert stats.pairwise_similarity == pytest.approx(0.5)
