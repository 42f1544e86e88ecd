"""pack stage: fit the map, orientation files and ranked files into a token budget."""

from onboard.pack.packer import PackedContext, PackedDoc, default_budget, pack_context, whole_document
from onboard.pack.prompt import SYSTEM_PROMPT, build_messages, system_blocks
from onboard.pack.tokens import count_tokens

__all__ = ["SYSTEM_PROMPT", "PackedContext", "PackedDoc", "build_messages", "count_tokens", "default_budget",
           "pack_context", "system_blocks", "whole_document"]
