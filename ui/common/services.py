"""The app's services as one object handed to the pages and dialogs by the composition root."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from core.api.client import ChatClient
from core.chat import Chat
from core.endpoint import Endpoint, EndpointUnusable
from core.models import ModelCatalog
from core.profiles import Profile, all_profiles, resolve_endpoint
from core.secrets import Secrets
from core.settings import Settings
from core.storage.chat_store import ChatStore
from ui.common.settings_service import SettingsService

# A new person's first model: capable, fast and cheap, where the endpoint has it.
PREFERRED_DEFAULT_MODELS = ("gpt-4o-mini", "gpt-5-mini", "deepseek-v3-2")


@dataclass
class Services:
    client: ChatClient
    store: ChatStore
    catalog: ModelCatalog
    secrets: Secrets
    prefs: SettingsService  # every change to the settings goes through it
    # Not in repr(): the environment may hold API keys (OPENAI_API_KEY, ANYFAST_API_KEY).
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)

    @property
    def settings(self) -> Settings:
        return self.prefs.settings

    @property
    def settings_path(self) -> Path:
        return self.prefs.path

    def profiles(self) -> list[Profile]:
        return all_profiles(self.settings.profiles, self.env)

    def profile(self, name: str = "") -> Profile:
        """The named profile, else the active one, else the first."""
        profiles = self.profiles()
        wanted = name or self.settings.active_profile
        for profile in profiles:
            if profile.name == wanted:
                return profile
        return profiles[0]

    def first_model(self) -> str:
        """The model of a person's first chat on the active profile."""
        models = [m.id for m in self.catalog.cached(self.settings.active_profile)]
        preferred = next((m for m in PREFERRED_DEFAULT_MODELS if m in models), "")
        return preferred or (models[0] if models else "")

    def endpoint_for(self, chat: Chat) -> Endpoint:
        """Where ``chat`` is sent; raises MissingKeyError / ProfileError / SecretStoreError."""
        return resolve_endpoint(self.profile(chat.profile), self.secrets, self.env)

    def has_usable_profile(self) -> bool:
        """True when the active profile can send (it has a key, or needs none)."""
        try:
            resolve_endpoint(self.profile(), self.secrets, self.env)
        except EndpointUnusable:
            return False
        return True

    async def test_connection(self, endpoint: Endpoint) -> str:
        models = await self.client.list_models(endpoint)
        return f"Connected to {endpoint.base_url}: {len(models)} models available."

    def tester(self) -> Callable[[Endpoint], Awaitable[str]]:
        return self.test_connection
