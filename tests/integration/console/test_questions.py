"""Grouping of questions not understood, their Rasa export, and the form parser the upload
relies on: tables of cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml

from bot.console.chart import Bar, stacked_bars_svg
from bot.console.forms import BadForm, parse_form
from bot.console.questions import (
    CONTRACT_INTENTS,
    Question,
    domain_intents,
    group_questions,
    rasa_nlu_yaml,
)

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def questions(*texts: str) -> list[Question]:
    return [
        Question(i + 1, text, T0 - timedelta(minutes=i), "zalo", "nlu_fallback", 0.2)
        for i, text in enumerate(texts)
    ]


@pytest.mark.parametrize(
    ("texts", "groups"),
    [
        # Diacritics and word order do not matter; a different topic starts its own group.
        (
            ["lệ phí đổi căn cước", "le phi doi can cuoc", "căn cước đổi lệ phí", "giờ mở cửa"],
            [[1, 2, 3], [4]],
        ),
        # token_set_ratio: a question inside a longer one is the same question.
        (["hộ chiếu", "cho hỏi làm hộ chiếu mất bao lâu ạ"], [[1, 2]]),
        (["đăng ký khai sinh", "đăng ký kết hôn", "khai sinh đăng ký cho con"], [[1, 3], [2]]),
        ([], []),
    ],
)
def test_grouping(texts: list[str], groups: list[list[int]]) -> None:
    found = group_questions(questions(*texts))
    assert [[q.id for q in g.questions] for g in found] == groups
    assert [g.key for g in found] == [ids[0] for ids in groups], "named by the newest"


def test_suggested_intent_is_the_most_common_real_guess() -> None:
    group = group_questions(
        [
            Question(1, "lệ phí", T0, "zalo", "ask_fee", 0.4),
            Question(2, "lệ phí ạ", T0, "zalo", "nlu_fallback", 0.2),
            Question(3, "lệ phí bao nhiêu", T0, "zalo", "ask_fee", 0.3),
        ]
    )[0]
    assert group.suggested_intent == "ask_fee"
    lone = group_questions(questions("xyz"))[0]
    assert lone.suggested_intent == "unlabelled"


@pytest.mark.parametrize(
    ("labelled", "expected"),
    [
        ([("ask_fee", ["lệ phí?"])], [{"intent": "ask_fee", "examples": "- lệ phí?\n"}]),
        # Same intent twice: one block, each example once, one line each.
        (
            [("greet", ["chào"]), ("ask_fee", ["phí"]), ("greet", ["chào", "xin\n chào\tbạn"])],
            [
                {"intent": "greet", "examples": "- chào\n- xin chào bạn\n"},
                {"intent": "ask_fee", "examples": "- phí\n"},
            ],
        ),
        # YAML-significant characters stay text.
        (
            [("unlabelled", ['a: "b" # c', "- [x] {y} | z", "'quoted'", "\x07bell"])],
            [
                {
                    "intent": "unlabelled",
                    "examples": "- a: \"b\" # c\n- - [x] {y} | z\n- 'quoted'\n- bell\n",
                }
            ],
        ),
        ([("greet", ["   "])], []),
    ],
)
def test_rasa_yaml_round_trip(
    labelled: list[tuple[str, list[str]]], expected: list[dict[str, str]]
) -> None:
    data = yaml.safe_load(rasa_nlu_yaml(labelled))
    assert data == {"version": "3.1", "nlu": expected}


def test_domain_intents_include_the_contract_ones(tmp_path: Path) -> None:
    assert set(CONTRACT_INTENTS) <= set(domain_intents())
    assert domain_intents(tmp_path / "absent.yml") == CONTRACT_INTENTS


@pytest.mark.parametrize(
    ("fields", "files"),
    [
        ({"csrf_token": "abc", "name": "Nguyễn Văn A"}, {}),
        (
            {"csrf_token": "abc"},
            {"file": ("hồ sơ.csv", 'code\r\n"a\nb"\r\n\nđ\n'.encode(), "text/csv")},
        ),
        ({"csrf_token": "abc"}, {"file": ("empty.csv", b"", "text/csv")}),
    ],
    ids=["urlencoded", "multipart-crlf-utf8", "multipart-empty-file"],
)
def test_forms_parse_what_httpx_and_browsers_send(
    fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]
) -> None:
    request = httpx.Request("POST", "http://x/", data=fields, files=files or None)
    form = parse_form(request.headers["content-type"], request.read())
    assert {k: form.get(k) for k in fields} == fields
    for name, (filename, content, content_type) in files.items():
        upload = form.files[name]
        assert (upload.filename, upload.data, upload.content_type) == (
            filename,
            content,
            content_type,
        )


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"{}"),
        ("", b"a=b"),
        ("application/x-www-form-urlencoded", b"name=%FF"),
        ("multipart/form-data; boundary=x", b"garbage without parts"),
    ],
)
def test_forms_refuse_other_bodies(content_type: str, body: bytes) -> None:
    with pytest.raises(BadForm):
        parse_form(content_type, body)


def test_chart_escapes_labels_and_scales_bars() -> None:
    svg = stacked_bars_svg(
        [Bar("20/11", {"zalo": 8, "<sms>": 2}), Bar("21/11", {})],
        series=["zalo", "<sms>"],
        title="Tin & nhắn",
    )
    assert "<sms>" not in svg and "&lt;sms&gt;" in svg
    assert "Tin &amp; nhắn" in svg
    assert svg.count("<rect") == 2 + 2, "two segments and two legend keys"
    assert ">10</text>" in svg, "the top of the scale and the bar's total"
