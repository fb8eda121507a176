"""copyloop: batch marketing copy with LLMs, as a LangGraph workflow."""

__version__ = "0.1.0"
