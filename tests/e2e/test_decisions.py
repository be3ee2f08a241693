"""Decisions through real discord.py: once only, by approvers only, after restarts, on time."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from tests.e2e.conftest import (
    STRANGER,
    TRADER,
    VIEWER,
    Greenlight,
    entry_alert,
    make_settings,
)
from tests.e2e.test_approval_flow import open_algos
from tests.fakes.binance import FakeBinanceFutures
from tests.fakes.discord import FakeDiscord


def market_entries(app: Greenlight) -> list:
    return [o for o in app.exchange.orders if o.type == "MARKET" and not o.reduce_only]


async def offer(app: Greenlight, **fields: object):
    """Post an entry alert and return its new approval message."""
    before = {m.id for m in app.channel_messages()}
    status, answer = await app.post(entry_alert(**fields))
    assert (status, answer["status"]) == (200, "accepted"), answer
    return await app.wait_for_message(lambda m: bool(m.buttons) and m.id not in before)


async def test_double_click_and_reaction_at_once_place_one_entry(greenlight: Greenlight) -> None:
    app = greenlight
    message = await offer(app)
    approve = message.buttons[0]["custom_id"]
    clicks = await asyncio.gather(
        app.discord.click(message.id, approve, user_id=TRADER),
        app.discord.click(message.id, approve, user_id=TRADER),
        app.discord.react(message.id, "✅", user_id=TRADER),
    )
    for click in clicks[:2]:
        await click.wait_until(lambda r: bool(r.text) and not r.loading, what="an answer")
    texts = [c.text for c in clicks[:2]]
    await app.discord.wait_for(lambda: len(open_algos(app)) == 4, message="one bracket")
    await asyncio.sleep(0.3)  # give any duplicate the time to show up
    assert len(market_entries(app)) == 1
    assert len(open_algos(app)) == 4
    # one decision wins (a click or the reaction); every click that lost is told who decided,
    # in the same words whatever the trade has become since (entering, open...)
    won = "✅ Approved: placing the orders. Follow them in the thread."
    lost = "Not done: this alert is already approved by user100."  # the fake names TRADER so
    assert sorted(texts) in ([lost, lost], sorted([won, lost])), texts


async def test_a_non_approver_reaction_changes_nothing(greenlight: Greenlight) -> None:
    app = greenlight
    message = await offer(app)
    await app.discord.react(message.id, "✅", user_id=VIEWER)
    await app.discord.wait_for(
        lambda: VIEWER not in app.discord.message(message.id).reactions.get("✅", set()),
        message="the viewer's reaction removed",
    )
    assert app.exchange.orders == []
    reject = await app.discord.click(message.id, message.buttons[1]["custom_id"], user_id=STRANGER)
    await reject.wait_response()
    assert reject.ephemeral and "Only approvers" in reject.text


async def test_reject_by_reaction_disables_the_buttons(greenlight: Greenlight) -> None:
    app = greenlight
    message = await offer(app)
    await app.discord.react(message.id, "❌", user_id=TRADER)
    await app.discord.wait_for(
        lambda: "Rejected by" in app.discord.message(message.id).embeds[0]["description"],
        message="the message shows the rejection",
    )
    assert all(b.get("disabled") for b in app.discord.message(message.id).buttons)
    late = await app.discord.click(message.id, message.buttons[0]["custom_id"], user_id=TRADER)
    await late.wait_until(lambda r: "already rejected" in r.text, what="refusal")
    assert app.exchange.orders == []


async def test_buttons_and_reactions_work_after_a_restart(greenlight: Greenlight) -> None:
    app = greenlight
    first = await offer(app)
    await app.stop()
    await app.start()  # same database, same Discord channel, a new process state

    click = await app.discord.click(first.id, first.buttons[0]["custom_id"], user_id=TRADER)
    await click.wait_until(lambda r: "Approved" in r.text, what="approval after restart")
    await app.discord.wait_for(lambda: len(open_algos(app)) == 4, message="bracket")

    app.exchange.set_price("XRPUSDT", "1.0000")
    second = await offer(app, ticker="ETHUSDT", price=3000, stop_loss=2900,
                         take_profits=[{"r": 1, "close_pct": 50}, {"r": 2}])  # fmt: skip
    await app.stop()
    await app.start()
    await app.discord.react(second.id, "✅", user_id=TRADER)
    await app.discord.wait_for(
        lambda: any(o.symbol == "ETHUSDT" for o in market_entries(app)), message="ETH entry"
    )


async def test_an_offer_expires_and_says_so(
    tmp_path: Path, discord_fake: FakeDiscord, exchange_fake: FakeBinanceFutures
) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        settings = make_settings(tmp_path, discord_fake, exchange_fake, approval_timeout_min="0.02")
        app = Greenlight(settings, discord_fake, exchange_fake, http)
        await app.start()
        try:
            message = await offer(app)
            await discord_fake.wait_for(
                lambda: "Expired" in discord_fake.message(message.id).embeds[0]["description"],
                timeout=10,
                message="the expiry shown on the message",
            )
            late = await discord_fake.click(
                message.id, message.buttons[0]["custom_id"], user_id=TRADER
            )
            await late.wait_until(lambda r: "already expired" in r.text, what="refusal")
            assert exchange_fake.orders == []
        finally:
            await app.stop()


async def test_an_approval_is_refused_when_the_price_moved(greenlight: Greenlight) -> None:
    app = greenlight
    message = await offer(app)
    app.exchange.set_price("XRPUSDT", "1.0150")  # 1.5 % above the alert's price
    click = await app.discord.click(message.id, message.buttons[0]["custom_id"], user_id=TRADER)
    await click.wait_until(lambda r: "moved 1.50 %" in r.text, what="drift refusal")
    assert app.exchange.orders == []
    assert "Waiting for an approver" in app.discord.message(message.id).embeds[0]["description"]
    app.exchange.set_price("XRPUSDT", "1.0050")  # back within 1 %: still pending, approvable
    again = await app.discord.click(message.id, message.buttons[0]["custom_id"], user_id=TRADER)
    await again.wait_until(lambda r: "Approved" in r.text, what="approval")
    await app.discord.wait_for(lambda: len(open_algos(app)) == 4)
    entry = market_entries(app)[0]
    assert entry.executed_qty == Decimal("5000.0")  # the plan's size, not re-sized


async def test_pause_keeps_entries_out_until_resume(greenlight: Greenlight) -> None:
    app = greenlight
    pending = await offer(app)
    paused = await app.discord.slash("pause", user_id=TRADER)
    await paused.wait_until(lambda r: "Paused" in r.text, what="pause answer")
    status, answer = await app.post(entry_alert(ticker="ETHUSDT", price=3000, stop_loss=2900))
    assert (status, answer["status"]) == (200, "accepted")
    notice = await app.wait_for_message(lambda m: "Paused, not offered" in m.text)
    assert "ETHUSDT" in notice.text and not notice.buttons
    click = await app.discord.click(pending.id, pending.buttons[0]["custom_id"], user_id=TRADER)
    await click.wait_until(lambda r: "paused" in r.text, what="paused refusal")
    assert app.exchange.orders == []

    resumed = await app.discord.slash("resume", user_id=TRADER)
    await resumed.wait_until(lambda r: "Resumed" in r.text, what="resume answer")
    click = await app.discord.click(pending.id, pending.buttons[0]["custom_id"], user_id=TRADER)
    await click.wait_until(lambda r: "Approved" in r.text, what="approval after resume")


async def test_a_refused_plan_is_a_notice_without_buttons(greenlight: Greenlight) -> None:
    app = greenlight
    status, _ = await app.post(entry_alert(stop_loss=1.05))  # a long's stop above the price
    assert status == 200
    notice = await app.wait_for_message(lambda m: "Not offered" in m.text)
    assert "not below the entry" in notice.text and not notice.buttons


async def test_exit_for_no_trade_is_ignored_and_recorded(greenlight: Greenlight) -> None:
    app = greenlight
    status, answer = await app.post(
        {"passphrase": entry_alert()["passphrase"], "ticker": "XRPUSDT", "message": "exit"}
    )
    assert (status, answer["status"]) == (200, "ignored")
