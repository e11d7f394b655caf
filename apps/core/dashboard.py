"""Dashboard panels. Apps register panels in their AppConfig.ready(); core renders them.

A panel is a callable `(request) -> dict | None` returning {"title", "template",
"context", "order"} or None when it has nothing to show the user.
"""

from __future__ import annotations

from collections.abc import Callable

_PANELS: list[Callable] = []


def register_panel(panel: Callable) -> Callable:
    if panel not in _PANELS:
        _PANELS.append(panel)
    return panel


def panels_for(request) -> list[dict]:
    rendered = [p(request) for p in _PANELS]
    return sorted((p for p in rendered if p), key=lambda p: p.get("order", 100))
