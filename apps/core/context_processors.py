"""Template context shared by every staff page."""

from .navigation import navigation_for


def navigation(request):
    return {"nav_sections": navigation_for(request.user) if request.user.is_authenticated else []}
