"""Parameter sweeps: parsing values, planning requests, answer statistics."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.sweep import (
    MAX_REQUESTS,
    MAX_VALUES,
    SWEEPABLE,
    CellStats,
    SweepCell,
    SweepError,
    cell_stats,
    diversity,
    label,
    parse_values,
    plan,
    tokens,
)

# --- parse_values -----------------------------------------------------------------


def test_sweepable_fields_are_the_numeric_ones() -> None:
    assert SWEEPABLE == (
        "max_tokens",
        "temperature",
        "top_p",
        "frequency_penalty",
        "presence_penalty",
        "seed",
        "n",
        "top_logprobs",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0, 0.5, 1.0, 1.5", [0.0, 0.5, 1.0, 1.5]),
        ("0 0.5;1", [0.0, 0.5, 1.0]),
        ("  .5, 1e-1, 2E0 ", [0.5, 0.1, 2.0]),
        ("0:1.5:0.5", [0.0, 0.5, 1.0, 1.5]),
        ("0 : 1.5 : 0.5", [0.0, 0.5, 1.0, 1.5]),
        ("0:1.4:0.5", [0.0, 0.5, 1.0]),
        ("0..1 step 0.25", [0.0, 0.25, 0.5, 0.75, 1.0]),
        ("0.5 .. 1 STEP 0.25", [0.5, 0.75, 1.0]),
        ("1:0:0.5", [1.0, 0.5, 0.0]),
        ("1:0:-0.5", [1.0, 0.5, 0.0]),
        ("0.7:0.7:0.1", [0.7]),
        ("0.5, 0.50, 1, 0.5", [0.5, 1.0]),
    ],
)
def test_parse_float_values(text: str, expected: list[float]) -> None:
    values = parse_values(text, "temperature")
    assert values == expected
    assert all(type(v) is float for v in values)


def test_negative_values_and_ranges() -> None:
    assert parse_values("-2, 2", "presence_penalty") == [-2.0, 2.0]
    assert parse_values("-1:1:1", "frequency_penalty") == [-1.0, 0.0, 1.0]
    assert parse_values("-1 .. -2 step 0.5", "frequency_penalty") == [-1.0, -1.5, -2.0]


def test_float_tolerance_gives_eleven_clean_values() -> None:
    values = parse_values("0:1:0.1", "top_p")
    assert values == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert parse_values("0..0.3 step 0.1", "top_p") == [0.0, 0.1, 0.2, 0.3]  # 0.1*3 > 0.3


def test_int_field_gives_ints() -> None:
    assert parse_values("256:1024:256", "max_tokens") == [256, 512, 768, 1024]
    values = parse_values("512, 1024.0, 2e3", "max_tokens")
    assert values == [512, 1024, 2000]
    assert all(type(v) is int for v in values)
    assert parse_values("1..8 step 1", "n") == [1, 2, 3, 4, 5, 6, 7, 8]


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        ("3", "temperature", "Temperature must be between 0 and 2; 3 is not."),
        ("0, 2.5", "temperature", "Temperature must be between 0 and 2; 2.5 is not."),
        ("0:2.5:0.5", "temperature", "Temperature must be between 0 and 2; 2.5 is not."),
        ("1.1", "top_p", "Top P must be between 0 and 1; 1.1 is not."),
        ("0", "max_tokens", "Max tokens must be between 1 and 1048576; 0 is not."),
        ("0.5", "max_tokens", "Max tokens takes whole numbers; 0.5 is not one."),
        ("1:2:0.5", "max_tokens", "Max tokens takes whole numbers; 1.5 is not one."),
        ("", "temperature", "Enter values like 0, 0.5, 1 or a range like 0:1.5:0.5."),
        ("hot, cold", "temperature", "Enter values like 0, 0.5, 1 or a range like 0:1.5:0.5."),
        ("nan", "temperature", "Enter values like 0, 0.5, 1 or a range like 0:1.5:0.5."),
        ("inf", "temperature", "Enter values like 0, 0.5, 1 or a range like 0:1.5:0.5."),
        ("0:1", "temperature", "Enter values like 0, 0.5, 1 or a range like 0:1.5:0.5."),
        ("0..1", "temperature", "Enter values like 0, 0.5, 1 or a range like 0:1.5:0.5."),
        ("0:1:0.1:2", "temperature", "Enter values like 0, 0.5, 1 or a range like 0:1.5:0.5."),
        (
            "x",
            "max_tokens",
            "Enter whole numbers like 256, 512, 1024 or a range like 256:1024:256.",
        ),
        ("0:1:0", "top_p", "The step of a range cannot be 0."),
        ("0:2:0.1", "temperature", "A sweep takes at most 12 values; that range gives 21."),
        ("0:1:1e-300", "top_p", "A sweep takes at most 12 values; that range gives more."),
        ("1:13:1", "max_tokens", "A sweep takes at most 12 values; that range gives 13."),
        (
            ", ".join(str(i) for i in range(1, 14)),
            "max_tokens",
            "A sweep takes at most 12 values; that list has 13.",
        ),
        ("1", "stream", "Stream is not a number, so it cannot be swept."),
        ("1", "nope", "'nope' is not a request field Chorus knows."),
    ],
)
def test_parse_errors(text: str, name: str, message: str) -> None:
    with pytest.raises(SweepError) as info:
        parse_values(text, name)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


def test_at_most_twelve_values_after_removing_repeats() -> None:
    assert len(parse_values("0:1.1:0.1", "temperature")) == MAX_VALUES
    assert parse_values(", ".join(["1"] * 20), "temperature") == [1.0]


@given(st.lists(st.integers(min_value=0, max_value=200), min_size=1, max_size=12))
def test_listed_values_come_back_in_order(hundredths: list[int]) -> None:
    text = ", ".join(f"{h / 100}" for h in hundredths)
    expected = list(dict.fromkeys(h / 100 for h in hundredths))
    assert parse_values(text, "temperature") == expected


# --- plan -------------------------------------------------------------------------


def test_one_axis_with_repeats() -> None:
    cells = plan({"temperature": 0.7}, [("temperature", [0, 0.5, 1.0])], repeats=2)
    assert [(c.values, c.repeat) for c in cells] == [
        ({"temperature": 0.0}, 1),
        ({"temperature": 0.0}, 2),
        ({"temperature": 0.5}, 1),
        ({"temperature": 0.5}, 2),
        ({"temperature": 1.0}, 1),
        ({"temperature": 1.0}, 2),
    ]
    assert [label(c) for c in cells] == [
        "temperature 0",
        "temperature 0 #2",
        "temperature 0.5",
        "temperature 0.5 #2",
        "temperature 1",
        "temperature 1 #2",
    ]
    assert cells[0].key == cells[1].key == (("temperature", 0.0),)
    assert cells[0].key != cells[2].key


def test_two_axes_are_row_major() -> None:
    cells = plan({}, [("temperature", [0.5, 1.0]), ("top_p", [0.9, 1.0])])
    assert [label(c) for c in cells] == [
        "temperature 0.5 · top_p 0.9",
        "temperature 0.5 · top_p 1",
        "temperature 1 · top_p 0.9",
        "temperature 1 · top_p 1",
    ]
    assert all(c.repeat == 1 for c in cells)


def test_params_merge_the_swept_values_into_the_base() -> None:
    base: dict[str, object] = {"temperature": 0.7, "max_tokens": 100, "stream": True}
    (cell,) = plan(base, [("temperature", [1.5])])
    assert cell.params(base) == {"temperature": 1.5, "max_tokens": 100, "stream": True}
    assert base["temperature"] == 0.7  # the base is not changed
    (absent,) = plan(base, [("top_p", [0.9])])
    assert absent.params(base) == {**base, "top_p": 0.9}  # sent though the base lacks it


def test_a_swept_field_turns_on_the_field_it_needs() -> None:
    cell = SweepCell(values={"top_logprobs": 3})
    assert cell.params({"logprobs": False}) == {"logprobs": True, "top_logprobs": 3}
    assert cell.params({}) == {"top_logprobs": 3, "logprobs": True}


def test_plan_normalises_and_checks_values() -> None:
    (cell,) = plan({}, [("max_tokens", [512.0])])
    assert cell.values == {"max_tokens": 512}
    assert type(cell.values["max_tokens"]) is int
    with pytest.raises(SweepError, match="Temperature must be between 0 and 2"):
        plan({}, [("temperature", [3])])


def test_request_cap() -> None:
    four = [0.0, 0.5, 1.0, 1.5]
    assert len(plan({}, [("temperature", four), ("top_p", [0.25, 0.5, 0.75, 1])], 3)) == 48
    assert MAX_REQUESTS == 48
    with pytest.raises(SweepError) as info:
        plan({}, [("temperature", four), ("top_p", [0.2, 0.4, 0.6, 0.8, 1])], 3)
    assert str(info.value) == (
        "That sweep needs 60 requests; the most is 48. Use fewer values or repeats."
    )


@pytest.mark.parametrize(
    ("axes", "repeats", "message"),
    [
        ([], 1, "A sweep varies one parameter or a grid of two."),
        (
            [("temperature", [1]), ("top_p", [1]), ("seed", [1])],
            1,
            "A sweep varies one parameter or a grid of two.",
        ),
        (
            [("temperature", [1]), ("temperature", [0])],
            1,
            "Sweep two different parameters, not Temperature twice.",
        ),
        ([("top_p", [])], 1, "Give at least one value for Top P."),
        ([("top_p", [1])], 0, "Each cell needs at least one request."),
        ([("stream", [1])], 1, "Stream is not a number, so it cannot be swept."),
        (
            [("top_p", [i / 20 for i in range(13)])],
            1,
            "A sweep takes at most 12 values; Top P has 13.",
        ),
    ],
)
def test_plan_errors(axes: list[tuple[str, list[float]]], repeats: int, message: str) -> None:
    with pytest.raises(SweepError) as info:
        plan({}, axes, repeats)
    assert str(info.value) == message


# --- statistics -------------------------------------------------------------------


def test_tokens_split_punctuation_and_lowercase() -> None:
    assert tokens("Don't STOP, go!") == ["don't", "stop", ",", "go", "!"]
    assert tokens("  ") == []


def test_stats_on_hand_made_texts() -> None:
    stats = cell_stats(["Hello, world!", "hello there world.", ""])
    # tokens: [hello , world !] [hello there world .] [] -> 8 tokens, 6 distinct;
    # bigrams: 3 + 3, all distinct. Word sets {hello, world}, {hello, there, world},
    # {}: Jaccard 2/3, 0, 0.
    assert stats == CellStats(
        count=3,
        mean_chars=31 / 3,
        min_chars=0,
        max_chars=18,
        mean_words=5 / 3,
        distinct_1=6 / 8,
        distinct_2=1.0,
        pairwise_similarity=(2 / 3 + 0 + 0) / 3,
    )
    assert diversity(stats) == pytest.approx(7 / 9)


def test_repeated_words_lower_distinct_n() -> None:
    stats = cell_stats(["the cat the cat", "the cat"])
    # unigrams: 6 tokens, 2 distinct; bigrams: (the cat) (cat the) (the cat) (the cat)
    assert stats.distinct_1 == pytest.approx(2 / 6)
    assert stats.distinct_2 == pytest.approx(2 / 4)
    assert stats.pairwise_similarity == 1.0
    assert diversity(stats) == 0.0
    assert stats.mean_words == 3.0
    assert (stats.min_chars, stats.max_chars, stats.mean_chars) == (7, 15, 11.0)


def test_three_answers_average_all_pairs() -> None:
    stats = cell_stats(["a b", "b c", "c d"])
    # {a,b}-{b,c}: 1/3; {a,b}-{c,d}: 0; {b,c}-{c,d}: 1/3
    assert stats.pairwise_similarity == pytest.approx(2 / 9)
    assert stats.distinct_1 == pytest.approx(4 / 6)
    assert stats.distinct_2 == 1.0  # "b b" across answers is not a bigram


def test_one_answer_has_no_similarity() -> None:
    stats = cell_stats(["Just one."])
    assert stats.pairwise_similarity is None
    assert diversity(stats) is None
    assert stats.distinct_1 == 1.0
    assert stats.mean_words == 2.0


def test_no_answers_and_empty_answers() -> None:
    assert cell_stats([]) == CellStats(0, 0.0, 0, 0, 0.0, None, None, None)
    stats = cell_stats(["", ""])
    assert stats.distinct_1 is None
    assert stats.distinct_2 is None
    assert stats.pairwise_similarity == 1.0  # two answers without words are alike
    assert cell_stats(["word"]).distinct_2 is None


@given(st.lists(st.text(max_size=40), min_size=2, max_size=6))
def test_stats_stay_in_range(texts: list[str]) -> None:
    stats = cell_stats(texts)
    assert stats.count == len(texts)
    assert stats.min_chars <= stats.mean_chars <= stats.max_chars
    for value in (stats.distinct_1, stats.distinct_2):
        assert value is None or 0.0 < value <= 1.0
    assert stats.pairwise_similarity is not None
    assert 0.0 <= stats.pairwise_similarity <= 1.0
