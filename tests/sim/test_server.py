"""The DeepSeek simulator, exercised through real HTTP on 127.0.0.1 with the openai and langchain clients."""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from langchain_openai import ChatOpenAI
from openai import AsyncOpenAI
from pydantic import BaseModel, Field

from copyloop.sim import SimConfig, SimServer
from copyloop.sim.prose import (
    SchemaFiller,
    Writer,
    count_chars,
    extract_materials,
    find_length_window,
    find_revision,
)

MATERIALS = """你是小红书汽车文案写手。
车型：元岚 V7
参数资料：
- 轴距：2950 mm
- 车长 4950 mm，宽 1960 mm
- 6 个安全气囊、ISOFIX 接口 x2
- 后备箱容积 1,480 L（第二排放倒）
- 零百加速 4.5 秒
- CLTC 纯电续航 620 km
"""
PERSONAS = ["二胎宝妈", "奶爸", "孝子", "小夫妻", "职场新人", "露营玩家", "女车主", "换购中产"]
POINTS = ["空间", "安全", "舒适", "续航", "智能座舱"]
NO_THINKING = {"thinking": {"type": "disabled"}}


def _messages(persona: str = "二胎宝妈", point: str = "空间", extra: str = "") -> list[dict[str, str]]:
    user = f"人群：{persona}\n卖点：{point}\n字数：250–350 字\n请写一篇小红书笔记。{extra}"
    return [{"role": "system", "content": MATERIALS}, {"role": "user", "content": user}]


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer(SimConfig()) as sim:
        yield sim


@pytest.fixture
def sim(server: SimServer) -> SimServer:
    server.configure(**SimConfig().to_dict())
    # Let an earlier test's abandoned requests end first, or their late replies would count in this test.
    deadline = time.monotonic() + 10
    while server.stats()["in_flight"] and time.monotonic() < deadline:
        time.sleep(0.02)
    server.reset()
    return server


def _client(sim: SimServer, **kwargs: Any) -> AsyncOpenAI:
    options: dict[str, Any] = {"max_retries": 0, "timeout": 10}
    options.update(kwargs)
    return AsyncOpenAI(base_url=f"{sim.url}/v1", api_key="sk-test", **options)


async def _ask(sim: SimServer, messages: list[dict[str, Any]], **kwargs: Any) -> Any:
    async with _client(sim) as client:
        return await client.chat.completions.create(
            model="deepseek-flash", messages=messages, extra_body=NO_THINKING, **kwargs
        )


def _http(sim: SimServer, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{sim.url}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _chat(**kwargs: Any) -> ChatOpenAI:
    # A fresh HTTP client per model: langchain shares one across instances, and each test runs its own loop.
    return ChatOpenAI(
        api_key="sk-test",  # type: ignore[arg-type]
        model="deepseek-flash",
        max_retries=0,
        timeout=10,
        extra_body=NO_THINKING,
        http_async_client=openai.DefaultAsyncHttpxClient(),
        **kwargs,
    )


# -- counting and prompt conventions ------------------------------------------------------------------


def test_count_chars_word_rule() -> None:
    assert count_chars("后排空间超大，2.8米轴距！🚗宝妈超爱～ISOFIX接口x2，7座SUV。") == 27
    assert count_chars("👨‍👩‍👧") == 1
    assert count_chars("hello, world!") == 2
    assert count_chars("1,480 L") == 3


@pytest.mark.parametrize("sep", ["–", "-", "~", "～", "—", "至", " - "])
def test_length_window_separators(sep: str) -> None:
    assert find_length_window(f"字数：250{sep}350 字") == (250, 350)


def test_revision_markers() -> None:
    assert find_revision("超出上限，需删去至少 30 字。") == ("cut", 30)
    assert find_revision("需增加至少12字") == ("add", 12)
    assert find_revision("写得不错") is None


def test_review_scores_are_biased_high() -> None:
    schema = {"type": "object", "properties": {"score": {"type": "integer", "minimum": 1, "maximum": 10}}}
    materials = extract_materials(_messages())
    scores = []
    for i in range(300):
        rng = random.Random(i)
        scores.append(SchemaFiller(schema, Writer(rng, materials), rng).fill()["score"])
    assert all(1 <= s <= 10 for s in scores)
    assert 0.8 <= sum(s >= 8 for s in scores) / len(scores) <= 0.97


# -- prose ----------------------------------------------------------------------------------------------


def test_prose_is_deterministic_per_seed(sim: SimServer) -> None:
    async def texts() -> list[str]:
        a = await _ask(sim, _messages())
        b = await _ask(sim, _messages())
        sim.configure(seed=1)
        c = await _ask(sim, _messages())
        return [r.choices[0].message.content for r in (a, b, c)]

    first, again, other_seed = asyncio.run(texts())
    assert first == again
    assert first != other_seed
    assert re.search(r"[\u4e00-\u9fff]{8}", first)


def test_length_window_statistics(sim: SimServer) -> None:
    async def lengths(extra: str) -> list[int]:
        async with _client(sim) as client:
            calls = [
                client.chat.completions.create(
                    model="deepseek-flash",
                    messages=_messages(persona, point, extra),
                    extra_body=NO_THINKING,
                )
                for persona in PERSONAS
                for point in POINTS
            ]
            replies = await asyncio.gather(*calls)
        return [count_chars(r.choices[0].message.content) for r in replies]

    drafts = asyncio.run(lengths(""))
    assert len(drafts) == 40
    inside = sum(250 <= n <= 350 for n in drafts)
    over = sum(n > 350 for n in drafts)
    under = sum(n < 250 for n in drafts)
    assert 12 <= inside <= 34, drafts
    assert over > under and over >= 3, drafts
    assert all(200 <= n <= 440 for n in drafts), drafts

    revised = asyncio.run(lengths("\n上一版超出上限，需删去至少 30 字。"))
    assert sum(250 <= n <= 350 for n in revised) >= 30, revised


def test_numbers_come_from_the_materials(sim: SimServer) -> None:
    reply = asyncio.run(_ask(sim, _messages("孝子", "安全")))
    text = reply.choices[0].message.content
    numbers = re.findall(r"\d+(?:[.,]\d+)*", text)
    assert numbers, text
    for number in numbers:
        assert number in MATERIALS, (number, text)


PROJECT_SYSTEM = """<rules>
1. 事实只来自 <materials>：数字必须能在 <materials> 中找到。
</rules>
<rubric>
- scene：4 = 泛泛而谈；6 = 有场景但笼统；8 = 具体场景；10 = 场景鲜活可感。
</rubric>
<materials product="远岚 V7">
尺寸：长 4980 mm，宽 1950 mm，轴距 2950 mm。
安全：6 个安全气囊（含贯穿式侧气帘，覆盖三排）；2025 年 C-NCAP 五星。
</materials>"""


def test_specs_come_only_from_the_materials_block(sim: SimServer) -> None:
    user = "<assignment>\n人群：宝妈（两个孩子的妈妈，老大 6 岁）\n卖点：安全\n字数：250–350 字（仅正文）\n"
    user += "</assignment>"
    messages = [{"role": "system", "content": PROJECT_SYSTEM}, {"role": "user", "content": user}]
    text = asyncio.run(_ask(sim, messages)).choices[0].message.content
    block = PROJECT_SYSTEM.split('<materials product="远岚 V7">')[1]
    numbers = re.findall(r"\d+(?:\.\d+)*", text)
    assert numbers and all(re.search(rf"(?<![\d.]){re.escape(n)}(?![\d.])", block) for n in numbers), text
    materials = extract_materials(messages)
    assert materials.personas == ["宝妈"] and materials.points == ["安全"] and materials.product == "远岚 V7"


def test_planner_rows_get_angles_in_order(sim: SimServer) -> None:
    rows = [("宝妈", "空间"), ("孝子", "安全"), ("宝妈", "安全"), ("孝子", "空间")]
    listing = "\n".join(f"{i}. 人群：{p}；卖点：{q}；平台：小红书" for i, (p, q) in enumerate(rows, 1))
    prompt = f"按清单顺序返回，共 {len(rows)} 条。\n<rows>\n{listing}\n</rows>"
    schema = {
        "type": "object",
        "properties": {
            "angles": {"type": "array", "items": {"type": "string"}, "minItems": 4, "maxItems": 4}
        },
        "required": ["angles"],
    }
    tools = [{"type": "function", "function": {"name": "submit_angles", "parameters": schema}}]
    choice = {"type": "function", "function": {"name": "submit_angles"}}
    reply = asyncio.run(_ask(sim, [{"role": "user", "content": prompt}], tools=tools, tool_choice=choice))
    angles = json.loads(reply.choices[0].message.tool_calls[0].function.arguments)["angles"]
    assert len(angles) == 4 and len(set(angles)) == 4
    assert extract_materials([{"role": "user", "content": prompt}]).rows == rows


def test_body_title_tags_format(sim: SimServer) -> None:
    fmt = "\n输出格式：<title>标题</title>\n<body>\n正文\n</body>\n<tags>#标签</tags>"
    reply = asyncio.run(_ask(sim, _messages(extra=fmt)))
    text = reply.choices[0].message.content
    match = re.fullmatch(r"<title>(.+)</title>\n<body>\n(.+)\n</body>\n<tags>(.+)</tags>", text, re.S)
    assert match, text
    title, body, tags = match.groups()
    assert 10 <= count_chars(title) <= 18
    assert count_chars(body) >= 150
    hashtags = tags.split()
    assert 3 <= len(hashtags) <= 6 and all(t.startswith("#") for t in hashtags)
    assert len(set(hashtags)) == len(hashtags)


def test_body_without_title_or_tags(sim: SimServer) -> None:
    reply = asyncio.run(_ask(sim, _messages(extra="\n把正文放在 <body></body> 里。")))
    text = reply.choices[0].message.content
    assert text.startswith("<body>\n") and text.endswith("\n</body>")


def test_duplicate_rate_gives_identical_bodies(sim: SimServer) -> None:
    sim.configure(duplicate_rate=1.0)

    async def both() -> tuple[str, str]:
        a = await _ask(sim, _messages("宝妈", "空间"))
        b = await _ask(sim, _messages("孝子", "安全"))
        return a.choices[0].message.content, b.choices[0].message.content

    first, second = asyncio.run(both())
    assert first == second


# -- streaming, usage, cache ----------------------------------------------------------------------------


def test_streaming_with_usage_matches_plain(sim: SimServer) -> None:
    async def run() -> tuple[str, Any, str, int]:
        async with _client(sim) as client:
            stream = await client.chat.completions.create(
                model="deepseek-flash",
                messages=_messages(),
                stream=True,
                stream_options={"include_usage": True},
                extra_body=NO_THINKING,
            )
            parts, usage, chunks = [], None, 0
            async for chunk in stream:
                chunks += 1
                if chunk.choices and chunk.choices[0].delta.content:
                    parts.append(chunk.choices[0].delta.content)
                if chunk.usage is not None:
                    usage = chunk.usage
                    assert chunk.choices == []
        plain = await _ask(sim, _messages())
        return "".join(parts), usage, plain.choices[0].message.content, chunks

    streamed, usage, plain, chunks = asyncio.run(run())
    assert streamed == plain
    assert chunks > 20
    assert usage is not None and usage.completion_tokens > 0
    assert sim.stats()["streamed"] == 1


def test_langchain_stream_usage(sim: SimServer) -> None:
    async def run() -> Any:
        model = _chat(base_url=f"{sim.url}/v1", stream_usage=True)
        total = None
        async for chunk in model.astream(_messages()):
            total = chunk if total is None else total + chunk
        return total

    total = asyncio.run(run())
    assert count_chars(total.content) > 100
    assert total.usage_metadata["output_tokens"] > 0


def test_usage_adds_up_and_prefix_cache_hits(sim: SimServer) -> None:
    async def run() -> tuple[Any, Any]:
        first = await _ask(sim, _messages("宝妈", "空间"))
        second = await _ask(sim, _messages("孝子", "安全"))
        return first.model_dump()["usage"], second.model_dump()["usage"]

    first, second = asyncio.run(run())
    for usage in (first, second):
        assert usage["prompt_cache_hit_tokens"] + usage["prompt_cache_miss_tokens"] == usage["prompt_tokens"]
        assert usage["prompt_tokens_details"]["cached_tokens"] == usage["prompt_cache_hit_tokens"]
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
        assert usage["completion_tokens_details"]["reasoning_tokens"] == 0
    assert first["prompt_cache_hit_tokens"] == 0
    assert 0 < second["prompt_cache_hit_tokens"] < second["prompt_tokens"]
    stats = sim.stats()
    assert stats["usage"]["cache_hit_tokens"] == second["prompt_cache_hit_tokens"]
    assert stats["usage"]["prompt_tokens"] == first["prompt_tokens"] + second["prompt_tokens"]


def test_cache_delay_postpones_hits(sim: SimServer) -> None:
    sim.configure(cache_delay=0.3)

    async def run() -> list[int]:
        hits = []
        for persona in ("宝妈", "孝子"):
            reply = await _ask(sim, _messages(persona))
            hits.append(reply.model_dump()["usage"]["prompt_cache_hit_tokens"])
        await asyncio.sleep(0.4)
        reply = await _ask(sim, _messages("小夫妻"))
        hits.append(reply.model_dump()["usage"]["prompt_cache_hit_tokens"])
        return hits

    assert asyncio.run(run())[:2] == [0, 0]
    assert sim.stats()["usage"]["cache_hit_tokens"] > 0


def test_langchain_reports_cache_read(sim: SimServer) -> None:
    async def run() -> tuple[Any, Any]:
        model = _chat(base_url=f"{sim.url}/v1")
        return await model.ainvoke(_messages("宝妈")), await model.ainvoke(_messages("孝子"))

    first, second = asyncio.run(run())
    assert first.usage_metadata["input_token_details"].get("cache_read", 0) == 0
    assert second.usage_metadata["input_token_details"]["cache_read"] > 0
    assert second.response_metadata["token_usage"]["prompt_cache_hit_tokens"] > 0
    assert second.response_metadata["model_name"] == "deepseek-flash"


# -- tool calls -----------------------------------------------------------------------------------------


class Review(BaseModel):
    """Scores of one draft."""

    scene: int = Field(ge=1, le=10, description="场景化评分")
    emotion: int = Field(ge=1, le=10, description="情感共鸣评分")
    reason: str
    suggestions: list[str] = Field(min_length=1, max_length=3)


class Angle(BaseModel):
    """One article to write."""

    persona: str
    selling_point: str
    angle: str


class Plan(BaseModel):
    """The planner's output."""

    angles: list[Angle]


def test_langchain_structured_output_review(sim: SimServer) -> None:
    model = _chat(base_url=f"{sim.url}/v1").with_structured_output(
        Review, method="function_calling", include_raw=True
    )
    result = asyncio.run(model.ainvoke([("user", "请评审这篇文案：后排空间超大。")]))
    assert result["parsing_error"] is None
    review = result["parsed"]
    assert isinstance(review, Review)
    assert 1 <= review.scene <= 10 and 1 <= review.emotion <= 10
    assert re.search(r"[\u4e00-\u9fff]", review.reason)
    assert 1 <= len(review.suggestions) <= 3 and len(set(review.suggestions)) == len(review.suggestions)
    assert result["raw"].response_metadata["finish_reason"] == "tool_calls"
    assert sim.stats()["tool_calls"] == 1


def test_planner_list_has_requested_count_and_distinct_angles(sim: SimServer) -> None:
    model = _chat(base_url=f"{sim.url}/v1").with_structured_output(Plan, method="function_calling")
    prompt = MATERIALS + "\n人群：宝妈、孝子、小夫妻\n卖点：空间、安全\n请规划选题，共 5 条。"
    plan = asyncio.run(model.ainvoke([("user", prompt)]))
    assert isinstance(plan, Plan)
    assert len(plan.angles) == 5
    assert len({a.angle for a in plan.angles}) == 5
    pairs = {(a.persona, a.selling_point) for a in plan.angles}
    assert len(pairs) == 5
    assert {a.persona for a in plan.angles} == {"宝妈", "孝子", "小夫妻"}


def test_fixed_size_arrays_and_refs(sim: SimServer) -> None:
    schema = {
        "type": "object",
        "$defs": {
            "Item": {"type": "object", "properties": {"scene": {"type": "string"}}, "required": ["scene"]}
        },
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}, "minItems": 4, "maxItems": 4},
            "note": {"anyOf": [{"type": "null"}, {"type": "string"}]},
            "kind": {"enum": ["a", "b"]},
            "ok": {"type": "boolean"},
        },
        "required": ["items", "note", "kind", "ok"],
    }
    tools = [{"type": "function", "function": {"name": "emit", "parameters": schema}}]
    reply = asyncio.run(
        _ask(sim, _messages(), tools=tools, tool_choice={"type": "function", "function": {"name": "emit"}})
    )
    call = reply.choices[0].message.tool_calls[0]
    assert call.function.name == "emit" and call.id.startswith("call_")
    args = json.loads(call.function.arguments)
    assert len(args["items"]) == 4 and len({i["scene"] for i in args["items"]}) == 4
    assert isinstance(args["note"], str) and args["kind"] in ("a", "b") and isinstance(args["ok"], bool)
    assert reply.choices[0].finish_reason == "tool_calls"


def test_streamed_tool_call(sim: SimServer) -> None:
    tools = [{"type": "function", "function": {"name": "Review", "parameters": Review.model_json_schema()}}]

    async def run() -> str:
        async with _client(sim) as client:
            stream = await client.chat.completions.create(
                model="deepseek-flash",
                messages=_messages(),
                tools=tools,
                tool_choice="required",
                stream=True,
                extra_body=NO_THINKING,
            )
            parts = []
            async for chunk in stream:
                for call in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
                    parts.append(call.function.arguments or "")
            return "".join(parts)

    Review.model_validate_json(asyncio.run(run()))


def test_malformed_arguments(sim: SimServer) -> None:
    sim.configure(malformed_rate=1.0)
    tools = [{"type": "function", "function": {"name": "Review", "parameters": Review.model_json_schema()}}]
    reply = asyncio.run(_ask(sim, _messages(), tools=tools, tool_choice="required"))
    with pytest.raises(json.JSONDecodeError):
        json.loads(reply.choices[0].message.tool_calls[0].function.arguments)


def test_blank_reply(sim: SimServer) -> None:
    sim.configure(blank_rate=1.0)
    reply = asyncio.run(_ask(sim, _messages(), response_format={"type": "json_object"}))
    assert reply.choices[0].message.content == ""
    assert reply.choices[0].finish_reason == "stop"
    assert not reply.choices[0].message.tool_calls


def test_json_mode_follows_example(sim: SimServer) -> None:
    messages = [{"role": "user", "content": '请以 json 输出，例如：{"score": 8, "reason": "……"}'}]
    reply = asyncio.run(_ask(sim, messages, response_format={"type": "json_object"}))
    value = json.loads(reply.choices[0].message.content)
    assert set(value) == {"score", "reason"} and 1 <= value["score"] <= 10


# -- refusals and faults --------------------------------------------------------------------------------


def test_json_schema_response_format_is_refused(sim: SimServer) -> None:
    model = _chat(base_url=f"{sim.url}/v1").with_structured_output(Review)  # defaults to json_schema
    with pytest.raises(openai.BadRequestError):
        asyncio.run(model.ainvoke([("user", "评审")]))


def test_forced_tool_choice_needs_thinking_disabled(sim: SimServer) -> None:
    model = ChatOpenAI(
        base_url=f"{sim.url}/v1",
        api_key="sk-test",  # type: ignore[arg-type]
        model="deepseek-flash",
        max_retries=0,
        http_async_client=openai.DefaultAsyncHttpxClient(),
    )
    structured = model.with_structured_output(Review, method="function_calling")
    with pytest.raises(openai.BadRequestError) as info:
        asyncio.run(structured.ainvoke([("user", "评审")]))
    assert "thinking" in str(info.value)
    assert sim.stats()["by_status"] == {"400": 1}


def test_bad_parameters(sim: SimServer) -> None:
    async def run() -> None:
        with pytest.raises(openai.UnprocessableEntityError):
            await _ask(sim, _messages(), max_tokens=400_000)

    asyncio.run(run())
    status, body = _http(sim, "POST", "/chat/completions", {"model": "deepseek-flash"})
    assert status == 400 and "messages" in body["error"]["message"]


def test_max_tokens_cuts_output(sim: SimServer) -> None:
    reply = asyncio.run(_ask(sim, _messages(), max_tokens=20))
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage.completion_tokens <= 20


def test_rate_limit_with_retry_after(sim: SimServer) -> None:
    sim.configure(error_rate=1.0, error_statuses=[429], retry_after=1.5)
    with pytest.raises(openai.RateLimitError) as info:
        asyncio.run(_ask(sim, _messages()))
    assert info.value.response.headers["retry-after"] == "1.5"
    error = info.value.response.json()["error"]
    assert set(error) >= {"message", "type", "code"}
    # Only this request's outcome: a late reply to an earlier test's request may land after the reset.
    assert sim.stats()["by_status"]["429"] == 1


def test_retry_of_same_body_eventually_succeeds(sim: SimServer) -> None:
    sim.configure(error_rate=0.5)

    async def outcomes() -> list[int]:
        seen = []
        for _ in range(12):
            try:
                await _ask(sim, _messages())
                seen.append(200)
            except openai.APIStatusError as exc:
                seen.append(exc.status_code)
        return seen

    first = asyncio.run(outcomes())
    assert 200 in first and any(s != 200 for s in first)
    assert set(first) <= {200, 429, 500, 503}
    sim.reset()
    assert asyncio.run(outcomes()) == first  # the n-th sighting of a body always draws the same fault


def test_hang_sends_keepalives_until_client_gives_up(sim: SimServer) -> None:
    sim.configure(hang_rate=1.0, keepalive_interval=0.1)

    async def run() -> None:
        async with _client(sim, timeout=0.4) as client:  # read timeout never fires: blank lines keep coming
            call = client.chat.completions.create(model="deepseek-flash", messages=_messages())
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(call, 1.0)

    asyncio.run(run())
    deadline = time.monotonic() + 3
    while sim.stats()["in_flight"] and time.monotonic() < deadline:
        time.sleep(0.05)
    stats = sim.stats()
    assert stats["in_flight"] == 0 and stats["hangs"] == 1 and stats["responses"] == 0


def test_hang_with_sparse_keepalives_hits_the_read_timeout(sim: SimServer) -> None:
    sim.configure(hang_rate=1.0, keepalive_interval=5.0)

    async def run() -> None:
        async with _client(sim, timeout=0.3) as client:
            await client.chat.completions.create(model="deepseek-flash", messages=_messages())

    with pytest.raises(openai.APITimeoutError):
        asyncio.run(run())


def test_max_in_flight_is_exact(sim: SimServer) -> None:
    sim.configure(latency=0.4)

    async def run() -> None:
        async with _client(sim) as client:
            await asyncio.gather(
                *(
                    client.chat.completions.create(
                        model="deepseek-flash", messages=_messages(p), extra_body=NO_THINKING
                    )
                    for p in PERSONAS[:5]
                )
            )

    started = time.monotonic()
    asyncio.run(run())
    assert time.monotonic() - started < 1.5
    stats = sim.stats()
    assert stats["max_in_flight"] == 5 and stats["in_flight"] == 0 and stats["responses"] == 5


def test_latency_rules_slow_one_persona(sim: SimServer) -> None:
    sim.configure(latency_rules=[["孝子", 0.5]])

    async def timed(persona: str) -> float:
        started = time.monotonic()
        await _ask(sim, _messages(persona))
        return time.monotonic() - started

    assert asyncio.run(timed("孝子")) >= 0.5
    assert asyncio.run(timed("宝妈")) < 0.4


@pytest.mark.parametrize(
    ("status", "error", "text"),
    [
        (401, openai.AuthenticationError, "Authentication Fails"),
        (402, openai.APIStatusError, "Insufficient Balance"),
    ],
)
def test_force_status(sim: SimServer, status: int, error: type[Exception], text: str) -> None:
    sim.configure(force_status=status)
    with pytest.raises(error) as info:
        asyncio.run(_ask(sim, _messages()))
    assert info.value.status_code == status  # type: ignore[attr-defined]
    assert text in str(info.value)


def test_api_key_and_fail_after(sim: SimServer) -> None:
    sim.configure(api_key="sk-test", fail_after=2)

    async def run() -> None:
        async with AsyncOpenAI(base_url=sim.url, api_key="sk-wrong-abcd", max_retries=0) as bad:
            with pytest.raises(openai.AuthenticationError) as info:
                await bad.chat.completions.create(model="deepseek-flash", messages=_messages())
            assert "****abcd" in str(info.value)
        await _ask(sim, _messages("宝妈"))
        await _ask(sim, _messages("孝子"))
        with pytest.raises(openai.APIStatusError) as info:
            await _ask(sim, _messages("小夫妻"))
        assert info.value.status_code == 402

    asyncio.run(run())
    assert sim.stats()["by_status"] == {"200": 2, "401": 1, "402": 1}


# -- control routes and config --------------------------------------------------------------------------


def test_control_routes(sim: SimServer) -> None:
    assert _http(sim, "GET", "/v1/models")[1]["data"][0]["id"] == "deepseek-flash"
    status, changed = _http(sim, "POST", "/sim/config", {"model": "deepseek-v4-flash", "seed": 3})
    assert status == 200 and changed["model"] == "deepseek-v4-flash" and changed["seed"] == 3
    assert _http(sim, "POST", "/sim/config", {"nope": 1})[0] == 400
    reply = asyncio.run(_ask(sim, _messages()))
    assert reply.model == "deepseek-v4-flash"
    stats = _http(sim, "GET", "/sim/stats")[1]
    assert stats["requests"] == 1 and stats["responses"] == 1 and stats["by_status"] == {"200": 1}
    assert _http(sim, "POST", "/sim/reset", {}) == (200, {"ok": True})
    assert _http(sim, "GET", "/sim/stats")[1]["requests"] == 0


def test_config_from_env_and_json() -> None:
    env = {
        "COPYLOOP_SIM_SEED": "7",
        "COPYLOOP_SIM_ERROR_STATUSES": "429,503",
        "COPYLOOP_SIM_LATENCY_RULES": "孝子=2.5",
        "COPYLOOP_SIM_FORCE_STATUS": "",
        "COPYLOOP_SIM_FAIL_AFTER": "3",
    }
    config = SimConfig.from_env(env)
    assert config.seed == 7 and config.error_statuses == [429, 503]
    assert config.latency_rules == [("孝子", 2.5)] and config.force_status is None and config.fail_after == 3
    assert SimConfig.from_json(json.dumps(config.to_dict())) == config
    with pytest.raises(ValueError):
        SimConfig(error_rate=2)
