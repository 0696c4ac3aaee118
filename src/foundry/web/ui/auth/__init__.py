"""Sign-in and sign-up pages."""

from __future__ import annotations

from foundry.web.templating import render
from foundry.web.ui.shell import page


def login_page(csrf: str, error: str | None = None, email: str = "") -> str:
    """The log-in form (the entered email is kept after an error)."""
    return page("Log in", render("auth/login.html", csrf=csrf, error=error, email=email))


def signup_page(
    csrf: str,
    error: str | None = None,
    field: str | None = None,
    values: dict[str, str] | None = None,
) -> str:
    """The sign-up form (entered values kept, the error beside its field)."""
    form = render("auth/signup.html", csrf=csrf, error=error, field=field, values=values or {})
    return page("Create your account", form)
