# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.

"""The top-level resources of both clients, imported when first used."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .api_keys import ApiKeys, AsyncApiKeys
    from .domains import AsyncDomains, Domains
    from .drafts import AsyncDrafts, Drafts
    from .events import AsyncEvents, Events
    from .inboxes import AsyncInboxes, Inboxes
    from .messages import AsyncMessages, Messages
    from .suppressions import AsyncSuppressions, Suppressions
    from .system import AsyncSystem, System
    from .threads import AsyncThreads, Threads
    from .webhooks import AsyncWebhooks, Webhooks

__all__ = ["AsyncResources", "Resources"]


class Resources:
    @cached_property
    def system(self) -> System:
        from .system import System

        return System(self)  # type: ignore[arg-type]

    @cached_property
    def domains(self) -> Domains:
        from .domains import Domains

        return Domains(self)  # type: ignore[arg-type]

    @cached_property
    def inboxes(self) -> Inboxes:
        from .inboxes import Inboxes

        return Inboxes(self)  # type: ignore[arg-type]

    @cached_property
    def messages(self) -> Messages:
        from .messages import Messages

        return Messages(self)  # type: ignore[arg-type]

    @cached_property
    def drafts(self) -> Drafts:
        from .drafts import Drafts

        return Drafts(self)  # type: ignore[arg-type]

    @cached_property
    def threads(self) -> Threads:
        from .threads import Threads

        return Threads(self)  # type: ignore[arg-type]

    @cached_property
    def webhooks(self) -> Webhooks:
        from .webhooks import Webhooks

        return Webhooks(self)  # type: ignore[arg-type]

    @cached_property
    def events(self) -> Events:
        from .events import Events

        return Events(self)  # type: ignore[arg-type]

    @cached_property
    def suppressions(self) -> Suppressions:
        from .suppressions import Suppressions

        return Suppressions(self)  # type: ignore[arg-type]

    @cached_property
    def api_keys(self) -> ApiKeys:
        from .api_keys import ApiKeys

        return ApiKeys(self)  # type: ignore[arg-type]


class AsyncResources:
    @cached_property
    def system(self) -> AsyncSystem:
        from .system import AsyncSystem

        return AsyncSystem(self)  # type: ignore[arg-type]

    @cached_property
    def domains(self) -> AsyncDomains:
        from .domains import AsyncDomains

        return AsyncDomains(self)  # type: ignore[arg-type]

    @cached_property
    def inboxes(self) -> AsyncInboxes:
        from .inboxes import AsyncInboxes

        return AsyncInboxes(self)  # type: ignore[arg-type]

    @cached_property
    def messages(self) -> AsyncMessages:
        from .messages import AsyncMessages

        return AsyncMessages(self)  # type: ignore[arg-type]

    @cached_property
    def drafts(self) -> AsyncDrafts:
        from .drafts import AsyncDrafts

        return AsyncDrafts(self)  # type: ignore[arg-type]

    @cached_property
    def threads(self) -> AsyncThreads:
        from .threads import AsyncThreads

        return AsyncThreads(self)  # type: ignore[arg-type]

    @cached_property
    def webhooks(self) -> AsyncWebhooks:
        from .webhooks import AsyncWebhooks

        return AsyncWebhooks(self)  # type: ignore[arg-type]

    @cached_property
    def events(self) -> AsyncEvents:
        from .events import AsyncEvents

        return AsyncEvents(self)  # type: ignore[arg-type]

    @cached_property
    def suppressions(self) -> AsyncSuppressions:
        from .suppressions import AsyncSuppressions

        return AsyncSuppressions(self)  # type: ignore[arg-type]

    @cached_property
    def api_keys(self) -> AsyncApiKeys:
        from .api_keys import AsyncApiKeys

        return AsyncApiKeys(self)  # type: ignore[arg-type]
