"""A chat model whose reply depends only on the prompt, so parallel Send order cannot change answers."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import BaseModel, Field

Responder = Callable[[str, type[BaseModel] | None], Any]


def _usage(prompt: str, output: str) -> dict[str, Any]:
    prompt_tokens, completion = len(prompt) // 2 + 1, len(output) // 2 + 1
    hit = prompt_tokens // 2
    return {
        "token_usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": prompt_tokens + completion,
            "prompt_cache_hit_tokens": hit,
            "prompt_cache_miss_tokens": prompt_tokens - hit,
        },
        "model_name": "fake-deepseek",
    }


class PromptFakeChatModel(BaseChatModel):
    """Answer with `responder(prompt_text, schema)`; record every prompt it saw."""

    responder: Responder
    prompts: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "prompt-fake"

    def _reply(self, messages: list[BaseMessage], schema: type[BaseModel] | None) -> tuple[AIMessage, Any]:
        prompt = "\n".join(str(m.content) for m in messages)
        self.prompts.append(prompt)
        answer = self.responder(prompt, schema)
        if schema is None:
            text = str(answer)
            return AIMessage(content=text, response_metadata=_usage(prompt, text)), None
        parsed = schema.model_validate(answer)
        args = parsed.model_dump_json()
        message = AIMessage(
            content="",
            tool_calls=[
                {
                    "name": schema.model_config.get("title") or schema.__name__,
                    "args": parsed.model_dump(),
                    "id": "call_1",
                }
            ],
            response_metadata=_usage(prompt, args),
        )
        return message, parsed

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        message, _ = self._reply(messages, None)
        return ChatResult(generations=[ChatGeneration(message=message)], llm_output=message.response_metadata)

    def with_structured_output(self, schema: Any, **kwargs: Any) -> Runnable:  # type: ignore[override]
        def run(messages: list[BaseMessage]) -> dict[str, Any]:
            raw, parsed = self._reply(messages, schema)
            return {"raw": raw, "parsed": parsed, "parsing_error": None}

        return RunnableLambda(run)

    def bind_tools(self, tools: Any, *, tool_choice: Any = None, **kwargs: Any) -> Runnable:  # type: ignore[override]
        """Answer by calling the tool named in `tool_choice`, or in text when it is "none"."""
        by_name = {getattr(t, "model_config", {}).get("title") or t.__name__: t for t in tools}
        schema = by_name.get(tool_choice) if isinstance(tool_choice, str) else None

        def run(messages: list[BaseMessage]) -> AIMessage:
            return self._reply(messages, schema)[0]

        return RunnableLambda(run)


WINDOW = re.compile(r"字数：(\d+)–(\d+)")


# Everyday characters with no numerals and nothing the banned-term list catches.
_POOL = (
    "周末带娃出门后备箱很能装家人坐得舒服春夏秋冬早晚路边小区停车场妈妈爸爸孩子老人上下车安静平稳宽敞明亮干净"
)


def body_of_length(n: int, seed: str = "") -> str:
    """Return Chinese text of exactly `n` 字 by the Word rule; different seeds give unrelated texts."""
    pick = random.Random(seed)
    return "".join(pick.choice(_POOL) for _ in range(n))


def copy_responder(long_personas: tuple[str, ...] = ("孝子",), low_scores: tuple[str, ...] = ()) -> Responder:
    """Return a responder for the copyloop prompts: first drafts of `long_personas` run over the window,
    revisions land in it; critic scores are 9, or 6 for scene on first drafts of `low_scores` personas."""

    def respond(prompt: str, schema: type[BaseModel] | None) -> Any:
        last = prompt.split("</materials>")[-1]
        if schema is not None and "angles" in schema.model_fields:
            count = int(re.search(r"共 (\d+) 条", last).group(1))  # type: ignore[union-attr]
            return {"angles": [f"场景角度第{i}个：傍晚接孩子放学" for i in range(1, count + 1)]}
        if schema is not None:
            revised = "第2版" in last
            persona = re.search(r"人群：(\S+?)[（\n]", last).group(1)  # type: ignore[union-attr]
            scene = 6 if persona in low_scores and not revised else 9
            item = {"score": 9, "reason": "具体"}
            return {
                "scene": {"score": scene, "reason": "场景笼统" if scene < 8 else "具体"},
                "emotion": item,
                "selling_point": item,
                "persona": item,
                "platform": item,
                "suggestions": ["加一个具体场景"],
            }
        low, high = map(int, WINDOW.search(last).groups())  # type: ignore[union-attr]
        persona = re.search(r"人群：(\S+?)[（\n]", last).group(1)  # type: ignore[union-attr]
        is_revision = "<previous_draft>" in last
        n = high + 20 if persona in long_personas and not is_revision else (low + high) // 2
        marker = "第2版" if is_revision else "第1版"
        body = marker + body_of_length(n - 3, seed=last.split("</assignment>")[0] + marker)
        tags = f"#用车 #家庭 #{persona}"
        return f"<title>{persona}的用车日常</title>\n<body>\n{body}\n</body>\n<tags>{tags}</tags>"

    return respond
