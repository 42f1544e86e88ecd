"""onboard: codebase onboarding Q&A over a packed 200k-token Claude context.

The public API lives in ``onboard.api``.
"""

__version__ = "0.1.0"
