"""Reading a definition: JSON or YAML in, a clear `DocumentError` or path-naming `schema`
findings out, and hostile input refused before it can hurt."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.errors import DocumentError, SchemaError
from shared.loading import MAX_DEPTH, load_document, parse_definition

LOAN_YAML = """\
key: loan-approval
states:
  - id: received
    type: start
  - id: review
    type: human
    role: underwriter
transitions:
  - from: received
    to: review
  - from: review
    to: received
    on: reopen
variables:
  - name: decided_on
    type: date
    default: 2024-01-31
"""


def test_a_json_file_loads(tmp_path):
    path = tmp_path / "loan.json"
    path.write_text(json.dumps({"key": "loan", "states": []}))
    assert load_document(path) == {"key": "loan", "states": []}
    assert load_document(str(path)) == {"key": "loan", "states": []}


def test_yaml_reads_like_the_equivalent_json():
    doc = load_document(LOAN_YAML)
    assert doc["transitions"][1]["on"] == "reopen"  # YAML 1.1 would make the key `True`
    assert doc["variables"][0]["default"] == "2024-01-31"  # and this a date object
    assert parse_definition(doc).transitions[1].on == "reopen"


def test_bytes_with_a_byte_order_mark_load():
    assert load_document(b'\xef\xbb\xbf{"key": "loan"}') == {"key": "loan"}


def test_yaml_keys_that_are_not_strings_become_strings():
    assert load_document("key: loan\n1: one\nnull: nothing\n") == {
        "key": "loan",
        "1": "one",
        "null": "nothing",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("   \n\t\n", "is empty"),
        ("[1, 2, 3]", "is a list, not an object"),
        ("just some words\n", "is a string, not an object"),
        ('{"key": "loan"', "not valid JSON"),
        ("key: [unclosed\nstates: 1\n", "neither JSON nor YAML: line 2"),
        ("---\nkey: a\n---\nkey: b\n", "neither JSON nor YAML"),
    ],
)
def test_text_that_is_no_definition_object_is_refused(text, message):
    with pytest.raises(DocumentError, match=message):
        load_document(text)


def test_a_missing_file_a_directory_and_binary_data_are_refused(tmp_path):
    with pytest.raises(DocumentError, match="no such file"):
        load_document(tmp_path / "absent.json")
    with pytest.raises(DocumentError, match="is a directory"):
        load_document(tmp_path)
    (tmp_path / "image.json").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    with pytest.raises(DocumentError, match="not UTF-8"):
        load_document(tmp_path / "image.json")


def test_a_json_file_must_be_strict_json(tmp_path):
    (tmp_path / "loan.json").write_text('{"key": "loan",}')
    with pytest.raises(DocumentError, match=r"not valid JSON: .*line 1 column 16"):
        load_document(tmp_path / "loan.json")
    (tmp_path / "loan.json").write_text('{"key": "loan", "sla_s": NaN}')
    with pytest.raises(DocumentError, match="NaN is not a JSON number"):
        load_document(tmp_path / "loan.json")
    (tmp_path / "loan.txt").write_text("{key: loan}")
    assert load_document(tmp_path / "loan.txt") == {"key": "loan"}


def test_a_file_over_ten_megabytes_is_refused_unread(tmp_path):
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(10 * 1024 * 1024 + 1)
    with pytest.raises(DocumentError, match=r"at most 10\.0 MB"):
        load_document(path)


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 100_000])
def test_deep_nesting_is_refused_without_recursion(levels):
    with pytest.raises(DocumentError, match="nested more than"):
        load_document('{"key": ' + "[" * levels + "]" * levels + "}")


@pytest.mark.parametrize("description", ["[" * 500, '\\"{' * 500 + "\\"])
def test_brackets_inside_strings_do_not_count_as_nesting(description):
    text = json.dumps({"key": "loan", "description": description, "tags": [[["a"]]] * 30})
    assert load_document(text)["description"] == description


def test_unterminated_strings_full_of_brackets_are_refused_in_one_pass():
    with pytest.raises(DocumentError):
        load_document('{\\"' * 300_000)


def test_deep_yaml_blocks_are_refused():
    text = "".join(" " * level + "a:\n" for level in range(200))
    with pytest.raises(DocumentError, match="nested"):
        load_document(text)


def test_a_yaml_alias_bomb_is_refused():
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    with pytest.raises(DocumentError, match="too large"):
        load_document("\n".join(lines) + "\n")


def test_a_self_referencing_yaml_alias_is_refused():
    with pytest.raises(DocumentError, match="nested"):
        load_document("loop: &loop [*loop]\n")


def test_schema_findings_name_the_json_path_and_the_state():
    doc = {
        "key": "loan",
        "states": [
            {"id": "received", "type": "start"},
            {"id": "score", "type": "task", "action": "credit_score"},
            {"id": "review", "type": "human", "timeout_s": 5, "sla_s": 0},
            {"type": "end"},
            {"id": "odd", "type": "sleep"},
        ],
        "transitions": [{"to": "score"}, {"id": "t-9", "from": "a", "to": "b", "set": {"1x": "1"}}],
        "layout": {"odd state": {"x": "left"}},
    }
    with pytest.raises(SchemaError) as raised:
        parse_definition(doc)
    by_message = {f.message: f for f in raised.value.findings}
    assert "states[2].sla_s: Input should be greater than 0" in by_message
    assert by_message["states[2].sla_s: Input should be greater than 0"].states == ("review",)
    assert any(m.startswith("states[2].timeout_s: is not a field") for m in by_message)
    assert "states[3].id: is required" in by_message
    assert any(m.startswith("states[4]: Input tag 'sleep'") for m in by_message)
    assert by_message["transitions[0].from: is required"].transitions == ("t0",)
    assert any(m.startswith("transitions[1].set[\"1x\"]: '1x' is not allowed") for m in by_message)
    assert any(m.startswith('layout["odd state"].x: ') for m in by_message)
    assert {f.code for f in raised.value.findings} == {"schema"}


def test_a_bad_key_says_what_a_key_looks_like():
    with pytest.raises(SchemaError, match="lowercase letters, digits and '-'"):
        parse_definition({"key": "Loan Approval"})


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_load_as_an_object_or_raise_a_document_error(data):
    try:
        assert isinstance(load_document(data), dict)
    except DocumentError as exc:
        assert str(exc)


@pytest.mark.parametrize(
    "text",
    [
        "!!python/object/apply:os.system ['true']\n",
        "a: !!python/name:os.system\n",
        "a: !!binary x\n",
        "a: !!int twelve\n",
        "a: !!timestamp someday\n",
        "? !!binary aGk=\n: x\n",
    ],
)
def test_yaml_tags_that_run_code_or_do_not_fit_are_refused(text):
    with pytest.raises(DocumentError):
        load_document(text)


def test_a_deep_value_handed_over_directly_is_a_schema_finding():
    deep: list = []
    for _ in range(500):
        deep = [deep]
    with pytest.raises(SchemaError, match="nested more than 64 levels"):
        parse_definition({"key": "loan", "variables": [{"name": "history", "default": deep}]})
