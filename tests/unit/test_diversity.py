"""The duplicate gate: near-copies are caught, honest same-topic posts are not; it scales to 1000 texts."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
import yaml

from copyloop.diversity import BODY_THRESHOLD, DiversityIndex, ignored_grams, normalize, shingles
from copyloop.gates import duplicate_problem

FIXTURES = yaml.safe_load(
    (Path(__file__).parents[1] / "fixtures" / "diversity_posts.yaml").read_text("utf-8")
)
MATERIALS = yaml.safe_load((Path(__file__).parents[2] / "examples" / "yuanlan_v7.yaml").read_text("utf-8"))[
    "product"
]["materials"]
HONEST: list[str] = [*FIXTURES["honest"], FIXTURES["honest_same_specs"]]
COPIES: list[str] = FIXTURES["copies"]


def containment(a: str, b: str) -> float:
    ignore = ignored_grams(MATERIALS)
    x, y = frozenset(shingles(normalize(a)[0])) - ignore, frozenset(shingles(normalize(b)[0])) - ignore
    return len(x & y) / min(len(x), len(y))


def test_threshold_separates_near_copies_from_honest_posts() -> None:
    honest = [containment(a, b) for i, a in enumerate(HONEST) for b in HONEST[i + 1 :]]
    copies = [containment(HONEST[0], c) for c in COPIES]
    # Measured: honest pairs <= 0.08 (0.16 before setting the spec sheet's phrases aside); copies >= 0.84.
    assert max(honest) < 0.2 < BODY_THRESHOLD < 0.75 < min(copies)


@pytest.mark.parametrize("copy", COPIES)
def test_each_near_copy_is_caught_and_names_the_original(copy: str) -> None:
    index = DiversityIndex()
    assert index.claim(1, "第 1 篇", HONEST[0], ignore=MATERIALS) is None
    found = index.claim(2, "第 2 篇", copy, ignore=MATERIALS)
    assert found is not None and found.key == 1 and found.label == "第 1 篇"
    assert found.passage and found.passage.rstrip("…") in " ".join(copy.split())
    problem = duplicate_problem(found)
    assert (
        problem["rule"] == "duplicate"
        and "第 1 篇" in problem["detail"]
        and found.passage in problem["detail"]
    )
    assert len(index) == 1  # the near-copy was not registered


def test_honest_posts_all_pass_in_any_order() -> None:
    for order in (HONEST, list(reversed(HONEST))):
        index = DiversityIndex()
        assert [index.claim(i, f"第 {i} 篇", t, ignore=MATERIALS) for i, t in enumerate(order)] == [None] * 4


def test_same_opening_is_caught_even_when_the_rest_differs() -> None:
    hook = "姐妹们谁懂啊！带两个娃出门，光装车就要半小时，每次都手忙脚乱到想哭，老公还在楼上找钥匙。"
    index = DiversityIndex()
    assert index.claim(1, "第 1 篇", hook + HONEST[1]) is None
    found = index.check(hook + HONEST[2])
    assert found is not None and found.kind == "opening"
    assert "开头" in duplicate_problem(found)["detail"]


def test_first_to_pass_keeps_its_text_and_an_article_never_matches_itself() -> None:
    index = DiversityIndex()
    assert index.claim(1, "第 1 篇", HONEST[0]) is None
    assert index.check(HONEST[0], key=1) is None
    assert index.check(HONEST[0], key=2) is not None
    assert index.claim(1, "第 1 篇", HONEST[1]) is None and len(index) == 1


def random_post(rng: random.Random, pool: str, n: int = 300) -> str:
    return "".join(rng.choice(pool) for _ in range(n))


def test_a_thousand_articles_index_and_check_in_under_two_seconds() -> None:
    rng = random.Random(7)
    pool = "周末带娃出门后备箱很能装家人坐得舒服春夏秋冬早晚路边小区停车场妈妈爸孩子老人上下车安静，。！"
    boilerplate = "姐妹们谁懂啊！远岚七座真的太适合二胎家庭了。"  # every post shares it, as real batches do
    posts = [boilerplate + random_post(rng, pool) for _ in range(1000)]
    copies = [posts[i][:150] + "换了几个字" + posts[i][155:] for i in range(0, 1000, 50)]
    index = DiversityIndex()
    started = time.perf_counter()
    accepted = sum(index.claim(i, f"第 {i} 篇", post) is None for i, post in enumerate(posts))
    caught = sum(index.claim(2000 + i, "copy", c) is not None for i, c in enumerate(copies))
    elapsed = time.perf_counter() - started
    assert accepted == 1000 and caught == len(copies)
    assert elapsed < 2.0, f"{elapsed:.2f} s"


def test_resume_registers_the_passed_articles_of_the_earlier_session() -> None:
    from copyloop.nodes.duplicates import remember

    index = DiversityIndex()
    articles = [
        {"id": 3, "status": "passed", "text": HONEST[0]},
        {"id": 1, "status": "failed", "text": HONEST[1]},
        {"id": 2, "status": "error", "text": ""},
    ]
    remember(index, articles)  # type: ignore[arg-type]
    assert 3 in index and 1 not in index and 2 not in index
    found = index.check(COPIES[0], key=5)
    assert found is not None and found.label == "第 3 篇"
