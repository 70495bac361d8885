"""Whether an endpoint can continue an answer, asked once per endpoint and model.

Branching from a token needs an endpoint that continues a trailing assistant message
(:mod:`core.continuation`). :class:`ContinuationGate` runs the probe the first time a
branch is asked for on an endpoint and model, remembers the verdict in the settings,
and then either lets the branch go ahead or says, through the :class:`Notifier`, why it
does not (with a "Check again" action), instead of sending a request that would
silently mean something else.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from core.api.client import ChatClient
from core.api.errors import APIError
from core.continuation import ContinuationCheck, probe, probe_key, sentence
from core.endpoint import Endpoint
from ui.common.notifier import Notifier
from ui.common.settings_service import SettingsService

log = logging.getLogger(__name__)
NOTICE_KEY = "continuation"


def _where(endpoint: Endpoint, model: str) -> str:
    return f"{endpoint.base_url} with {model}"


class ContinuationGate(QObject):
    checked = Signal(str)  # the probe key whose verdict is now known (or forgotten)

    def __init__(
        self,
        client: ChatClient,
        prefs: SettingsService,
        notifier: Notifier,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.client = client
        self.prefs = prefs
        self.notifier = notifier
        self._probing: dict[str, asyncio.Task[None]] = {}
        self._waiting: dict[str, list[Callable[[], object]]] = {}

    def known(self, endpoint: Endpoint, model: str) -> ContinuationCheck | None:
        return self.prefs.settings.continuation.get(probe_key(endpoint.base_url, model))

    def probing(self, endpoint: Endpoint, model: str) -> bool:
        return probe_key(endpoint.base_url, model) in self._probing

    def note(self, endpoint: Endpoint | None, model: str) -> str:
        """One sentence on branching from a token here, for the Sampling tab."""
        if endpoint is None:
            return "Branching needs an endpoint that can be used."
        found = self.known(endpoint, model)
        if found is None:
            return (
                "Click a candidate that was not chosen to continue the answer with it; "
                "Chorus first checks once that this endpoint continues an answer."
            )
        when = time.strftime("%Y-%m-%d", time.localtime(found.checked_at))
        if found.verdict == "continues":
            return (
                "Click a candidate that was not chosen to continue the answer with it "
                f"(this endpoint continues answers, checked {when})."
            )
        return sentence(found, f"Checked {when}: {_where(endpoint, model)}")

    def when_continues(self, endpoint: Endpoint, model: str, go: Callable[[], object]) -> None:
        """Call ``go`` once the endpoint is known to continue an assistant message;
        otherwise say why not. The first time, the probe is sent first."""
        key = probe_key(endpoint.base_url, model)
        found = self.known(endpoint, model)
        if found is not None:
            self._decide(endpoint, model, found, go)
            return
        self._waiting.setdefault(key, []).append(go)
        if key in self._probing:
            return
        self.notifier.info(f"Checking once whether {_where(endpoint, model)} continues an answer…")
        task = asyncio.get_running_loop().create_task(
            self._probe(endpoint, model, key), name=f"probe:{key}"
        )
        self._probing[key] = task

    def forget(self, endpoint: Endpoint, model: str) -> None:
        """Drop the remembered verdict: the next branch probes again."""
        key = probe_key(endpoint.base_url, model)
        kept = dict(self.prefs.settings.continuation)
        if kept.pop(key, None) is not None:
            self.prefs.set(continuation=kept)
        self.notifier.clear(NOTICE_KEY)
        self.checked.emit(key)

    async def _probe(self, endpoint: Endpoint, model: str, key: str) -> None:
        try:
            found = await probe(self.client, endpoint, model)
        except APIError as exc:
            self._waiting.pop(key, None)
            self.notifier.error(
                f"Could not find out whether {_where(endpoint, model)} continues an answer, "
                f"so no branch was made: {exc.message}",
                key=NOTICE_KEY,
            )
            return
        except Exception as exc:  # a bug must not leave the branch waiting silently
            log.exception("probe of %s failed", key)
            self._waiting.pop(key, None)
            self.notifier.error(f"Checking {_where(endpoint, model)} failed: {exc}")
            return
        finally:
            self._probing.pop(key, None)
        remembered = dict(self.prefs.settings.continuation)
        remembered[key] = found
        self.prefs.set(continuation=remembered)
        self.checked.emit(key)
        for go in self._waiting.pop(key, []):
            self._decide(endpoint, model, found, go)

    def _decide(
        self, endpoint: Endpoint, model: str, found: ContinuationCheck, go: Callable[[], object]
    ) -> None:
        if found.verdict == "continues":
            self.notifier.clear(NOTICE_KEY)
            go()
            return
        text = sentence(found, _where(endpoint, model))
        self.notifier.warning(
            f"No branch was made: {text} The llama.cpp server continues answers.",
            action=("Check again", lambda: self._recheck(endpoint, model, go)),
            key=NOTICE_KEY,
        )

    def _recheck(self, endpoint: Endpoint, model: str, go: Callable[[], object]) -> None:
        self.forget(endpoint, model)
        self.when_continues(endpoint, model, go)

    async def shutdown(self) -> None:
        tasks = list(self._probing.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
