"""The web process's calls to the backend's sign-in routes (everything else is live queries)."""

from __future__ import annotations

from typing import Any

import httpx


class AuthFailed(Exception):
    """The backend refused a sign-in, refresh or switch; `message` is safe to show."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BackendAuth:
    """`/auth/*` on the backend."""

    def __init__(self, backend_url: str) -> None:
        self.backend_url = backend_url.rstrip("/")
        self._http = httpx.AsyncClient(base_url=self.backend_url, timeout=30, trust_env=False)

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self._http.post(path, json=body)
        except httpx.HTTPError:
            raise AuthFailed("The backend cannot be reached right now; try again.") from None
        data: dict[str, Any] = response.json() if response.content else {}
        if response.status_code >= 400:
            message = data.get("errorMessage") or data.get("message") or "The request was refused."
            path_ = (
                (data.get("errorData") or {}).get("path")
                if isinstance(data.get("errorData"), dict)
                else None
            )
            raise AuthFailed(str(message), path_)
        return data

    async def login(self, email: str, password: str) -> dict[str, Any]:
        """Sign in with a password."""
        return await self._post("/auth/login", {"email": email, "password": password})

    async def signup(
        self, email: str, password: str, name: str, org_name: str | None
    ) -> dict[str, Any]:
        """Create an account (and an organisation when named)."""
        body: dict[str, Any] = {"email": email, "password": password, "name": name}
        if org_name:
            body["orgName"] = org_name
        return await self._post("/auth/signup", body)

    async def refresh(self, refresh_token: str) -> dict[str, Any]:
        """Exchange the refresh token for new tokens."""
        return await self._post("/auth/refresh", {"refreshToken": refresh_token})

    async def switch_org(self, refresh_token: str, org_id: str) -> dict[str, Any]:
        """Tokens for another organisation of the same user."""
        return await self._post(
            "/auth/switch-org", {"refreshToken": refresh_token, "orgId": org_id}
        )

    async def logout(self, refresh_token: str) -> None:
        """End the backend session."""
        await self._post("/auth/logout", {"refreshToken": refresh_token})

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._http.aclose()
