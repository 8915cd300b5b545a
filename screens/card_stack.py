"""A scrolling stack of verdict cards: one per licence an ID number holds (look-up and
inspection), or one message when the check could not run."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial

from rich.text import Text
from textual.await_remove import AwaitRemove
from textual.containers import VerticalScroll
from textual.widgets import Static

from domain.types import IdCheck, Reason, Verification
from screens.verdict_card import CardData, VerdictCard

log = logging.getLogger("yanzhao.tui")


class CardStack(VerticalScroll):
    """Verdict cards, newest answer only: each call replaces what was shown."""

    async def show_check(self, check: IdCheck, photos: Sequence[Text | None], lang: str) -> None:
        """One card per licence found for an ID number, or one 查无此人 card."""
        if check.results:
            await self.show_results(check.results, photos, lang)
        else:
            await self.show_not_found(check.reasons, lang)

    async def show_results(
        self, results: Sequence[Verification], photos: Sequence[Text | None], lang: str
    ) -> None:
        """One card per verification (a scan: one; an ID number: one per licence)."""
        await self.remove_children()
        cards = [VerdictCard() for _ in results]
        await self.mount_all(cards)
        for card, result, photo in zip(cards, results, photos, strict=True):
            self._draw(card, partial(card.show, CardData(result, photo), lang), lang)
        self.scroll_home(animate=False)

    async def show_not_found(self, reasons: tuple[Reason, ...], lang: str) -> None:
        """No licence for an ID number: one 查无此人 card with the replica's own reasons."""
        await self.remove_children()
        card = VerdictCard()
        await self.mount(card)
        self._draw(card, partial(card.not_found, reasons, lang), lang)

    async def show_unchecked(self, lang: str) -> None:
        """Say the check could not be made; nothing of an earlier answer stays."""
        await self.remove_children()
        card = VerdictCard()
        await self.mount(card)
        card.unchecked(lang)

    async def show_message(self, message: str, *, error: bool = False) -> None:
        """A sentence in place of cards (not enrolled, no replica, a prompt)."""
        await self.remove_children()
        note = Static(Text(message), classes="card-message")
        note.set_class(error, "is-error")
        await self.mount(note)

    def clear(self) -> AwaitRemove:
        """Take every card and message down (the card timeout, a lock, a sign-out)."""
        return self.remove_children()

    def _draw(self, card: VerdictCard, draw: Callable[[], None], lang: str) -> None:
        """Draw one card; a card that cannot be drawn says so instead of leaving stale text."""
        try:
            draw()
        except Exception:  # noqa: BLE001 - a card that cannot be drawn must not end the app
            log.exception("a verdict card could not be drawn")
            card.unchecked(lang)
