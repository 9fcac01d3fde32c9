
import pytest

from tasks.config import REPO_ROOT
from tasks.evaluate import LabelledFileError, classification, evaluate, read_labelled
from tests.test_cli import pulse

FIXTURES = REPO_ROOT / "tests" / "fixtures"


def test_classification_metrics_by_hand():
    gold = ["a", "a", "b", "b", "none"]
    pred = ["a", "b", "b", "b", "a"]
    m = classification(gold, pred)
    assert m["per_class"]["a"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert m["per_class"]["b"]["precision"] == pytest.approx(2 / 3) and m["per_class"]["b"]["recall"] == 1.0
    assert m["per_class"]["none"]["f1"] == 0.0
    assert m["macro_f1"] == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    assert m["accuracy"] == 0.6
    assert m["confusion"]["a"] == {"a": 1, "b": 1, "none": 0}


def test_sentiment_file(cfg):
    result = evaluate(FIXTURES / "sentiment_gold.tsv", cfg)
    assert result["kind"] == "sentiment" and result["rows"] >= 150
    assert result["pearson_r"] > 0.2, "VADER agrees with people more than chance"
    assert set(result["per_class"]) == {"negative", "neutral", "positive"}


def test_routing_file(cfg):
    result = evaluate(FIXTURES / "routing_gold.csv", cfg)
    assert result["rows"] >= 150
    assert result["team"]["macro_f1"] > 0.5
    # The taxonomy's phrases are precise rules; the learned router covers what they miss.
    named = {c: m for c, m in result["category"]["per_class"].items() if c != "none" and m["precision"] + m["recall"] > 0}
    assert all(m["precision"] >= 0.6 for m in named.values()), named
    assert result["category"]["per_class"]["warranty_repairs"]["recall"] > 0.7


def test_other_scales_use_their_midpoint(tmp_path, cfg):
    path = tmp_path / "stars.tsv"
    path.write_text("id\tscore\ttext\n1\t5\tI love Halcyon, brilliant\n2\t1\tHalcyon is awful, I hate it\n3\t3\tHalcyon sells phones\n")
    result = evaluate(path, cfg)
    assert result["neutral_at"] == 3 and result["accuracy"] == 1.0


@pytest.mark.parametrize(
    "name, body, message",
    [
        ("bad.tsv", "id\tscore\ttext\n1\t2\tok\n2\tgood\tnot a number\n", "line 3: score 'good' is not a number"),
        ("bad.tsv", "id\tscore\ttext\n1\t2\tok\n2\t1\n", "line 3: expected 3 tab-separated fields"),
        ("bad.csv", 'text,team\n"a post",sales\n"another",sales,extra\n', "line 3: expected 2 fields"),
        ("bad.csv", "message,label\nx,y\n", "line 1: expected"),
    ],
)
def test_malformed_files_name_the_line(tmp_path, name, body, message):
    path = tmp_path / name
    path.write_text(body)
    with pytest.raises(LabelledFileError, match=message):
        read_labelled(path)


def test_cli_prints_one_line_for_a_malformed_file(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("id\tscore\ttext\n1\tx\ty\n")
    out = pulse("evaluate", str(path))
    assert out.returncode == 1 and "line 2: score 'x' is not a number" in out.stderr
