"""Sign-in and sign-up pages."""

from __future__ import annotations

from foundry.web.templating import render
from foundry.web.ui.shell import page


def login_page(csrf: str, error: str | None = None, email: str = "", next_path: str = "/") -> str:
    """The log-in form (the entered email, and where to go afterwards, kept after an error)."""
    form = render("auth/login.html", csrf=csrf, error=error, email=email, next_path=next_path)
    return page("Log in", form)


def signup_page(
    csrf: str,
    error: str | None = None,
    field: str | None = None,
    values: dict[str, str] | None = None,
) -> str:
    """The sign-up form (entered values kept, the error beside its field)."""
    form = render("auth/signup.html", csrf=csrf, error=error, field=field, values=values or {})
    return page("Create your account", form)
