"""The webhook through real HTTP: every answer of DESIGN.md's Alerts section."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.webhook.conftest import PASSPHRASE, Webhook, WebhookFactory, alert
from trading.alert_handler import AlertOutcome, Outcome
from trading.alert_parser import AlertRules
from trading.alert_worker import AlertWorker
from trading.alerts import AcceptedAlert, AlertKind, OrderType, Side

pytestmark = pytest.mark.postgres_too


async def test_canonical_alert_is_stored_acknowledged_and_queued(webhook: Webhook) -> None:
    status, answer, _ = await webhook.post(alert())

    assert status == 200
    assert answer["status"] == "accepted"
    queued = webhook.queue.get_nowait()
    assert queued.alert_id == answer["alert_id"]
    assert queued.alert.kind is AlertKind.ENTRY
    assert queued.alert.side is Side.BUY
    assert queued.alert.stop_loss == Decimal("1.06")
    assert [tp.price for tp in queued.alert.take_profits] == [Decimal("1.1"), None]
    assert queued.alert.take_profits[1].r == Decimal(2)
    [row] = await webhook.log.all()
    assert row["id"] == answer["alert_id"]
    assert row["status"] == "accepted" and row["http_status"] == 200
    assert row["source_ip"] == "127.0.0.1"
    assert row["idempotency_key"] == "a-1"
    assert PASSPHRASE not in row["raw_body"]
    assert json.loads(row["raw_body"])["ticker"] == "XRPUSDT.P"


async def test_text_plain_body_is_read_as_json(webhook: Webhook) -> None:
    status, answer, _ = await webhook.post(
        json.dumps(alert()), headers={"Content-Type": "text/plain; charset=utf-8"}
    )
    assert (status, answer["status"]) == (200, "accepted")


async def test_legacy_form_maps_onto_stop_and_ladder(webhook: Webhook) -> None:
    legacy = {
        "passphrase": PASSPHRASE,
        "ticker": "BINANCE:XRPUSDTPERP",
        "exchange": "BINANCE",
        "time": "2021-11-16T12:00:00Z",
        "action": "sell",
        "type": "limit",
        "price": 1.0812,
        "message": "entry",
        "long SL": "NaN",
        "long TP": "NaN",
        "short SL": 1.1,
        "short TP": 1.02,
        "tp Close": 25,
        "tp1 Mult": 0.6,
        "tp2 Mult": 1.2,
        "subaccount": "Testing",
    }
    status, _, _ = await webhook.post(json.dumps(legacy).encode())
    assert status == 200
    parsed = webhook.queue.get_nowait().alert
    assert parsed.side is Side.SELL and parsed.order_type is OrderType.LIMIT
    assert parsed.stop_loss == Decimal("1.1")
    assert [(tp.r, tp.price, tp.close_pct) for tp in parsed.take_profits] == [
        (Decimal("0.6"), None, Decimal(25)),
        (Decimal("1.2"), None, Decimal(25)),
        (None, Decimal("1.02"), None),
    ]
    assert parsed.subaccount == "Testing"


async def test_passphrase_missing_or_wrong_is_401_and_recorded(webhook: Webhook) -> None:
    status, answer, _ = await webhook.post(alert(passphrase=...))
    assert (status, answer) == (401, {"error": "passphrase missing"})
    status, answer, _ = await webhook.post(alert(passphrase="guess-guess-guess"))
    assert (status, answer) == (401, {"error": "wrong passphrase"})

    rows = await webhook.log.all()
    assert [(r["status"], r["http_status"], r["reason"]) for r in rows] == [
        ("rejected", 401, "passphrase missing"),
        ("rejected", 401, "wrong passphrase"),
    ]
    assert "guess-guess-guess" not in rows[1]["raw_body"]
    assert webhook.queue.empty()


async def test_body_that_is_not_a_json_object_is_400(webhook: Webhook) -> None:
    for body, error in [
        (b"buy XRPUSDT now", "body is not JSON"),
        (b"[1, 2, 3]", "body must be a JSON object"),
        (b"\xff\xfe\x00garbage", "body is not UTF-8 text"),
        (b"", "body is not JSON"),
    ]:
        status, answer, _ = await webhook.post(body)
        assert (status, answer) == (400, {"error": error}), body
    rows = await webhook.log.all()
    assert [r["http_status"] for r in rows] == [400, 400, 400, 400]
    assert rows[0]["raw_body"] == "buy XRPUSDT now"


async def test_wrong_fields_are_422_naming_the_field(webhook: Webhook) -> None:
    cases = [
        (alert(ticker=...), "ticker"),
        (alert(stop_loss=...), "stop_loss"),
        (alert(stop_loss="NaN"), "stop_loss"),  # an unset {{plot()}} counts as absent
        (alert(action="hold"), "action"),
        (alert(price=-1), "price"),
        (alert(message="moon"), "message"),
        (
            alert(take_profits=[{"price": 1.1, "close_pct": 80}, {"r": 2, "close_pct": 40}]),
            "take_profits",
        ),
        (alert(qty=10, notional=100), "notional"),
        (alert(order_type="limit", price=...), "price"),
        (alert(leverage=1000), "leverage"),
        (alert(time="yesterday"), "time"),
    ]
    for body, field in cases:
        status, answer, _ = await webhook.post(body)
        assert status == 422, (field, answer)
        assert answer["field"] == field
        assert answer["error"]
    rows = await webhook.log.all()
    assert len(rows) == len(cases)
    assert {r["status"] for r in rows} == {"rejected"}
    assert [r["field"] for r in rows] == [field for _, field in cases]


async def test_entry_without_stop_is_accepted_when_a_default_stop_is_set(
    make_webhook: WebhookFactory,
) -> None:
    webhook = await make_webhook(alert_rules=AlertRules(default_stop_pct=Decimal("1.5")))
    status, answer, _ = await webhook.post(alert(stop_loss=...))
    assert (status, answer["status"]) == (200, "accepted")
    assert webhook.queue.get_nowait().alert.stop_loss is None


async def test_exit_alert_needs_no_side_or_stop(webhook: Webhook) -> None:
    status, _, _ = await webhook.post(
        alert(id="x-1", message="exit", action=..., stop_loss=..., take_profits=...)
    )
    assert status == 200
    assert webhook.queue.get_nowait().alert.kind is AlertKind.EXIT


async def test_body_over_64_kib_is_413(webhook: Webhook) -> None:
    big = json.dumps(alert(padding="x" * (64 * 1024))).encode()
    status, answer, _ = await webhook.post(big)
    assert status == 413 and "64 KiB" in answer["error"]

    async def chunked():  # no Content-Length: the limit holds while streaming too
        for start in range(0, len(big), 4096):
            yield big[start : start + 4096]

    status, _, _ = await webhook.post(chunked())
    assert status == 413
    exactly = json.dumps(alert(padding="")).encode()
    fill = 64 * 1024 - len(exactly)
    status, _, _ = await webhook.post(json.dumps(alert(padding="y" * fill)).encode())
    assert status == 200
    rows = await webhook.log.all()
    assert [r["http_status"] for r in rows] == [413, 413, 200]
    assert rows[0]["body_size"] > 64 * 1024


async def test_too_many_alerts_from_one_sender_is_429(make_webhook: WebhookFactory) -> None:
    webhook = await make_webhook(rate_limit_per_min=3)
    answers = [await webhook.post(alert(id=f"r-{n}")) for n in range(5)]
    assert [status for status, _, _ in answers] == [200, 200, 200, 429, 429]
    assert int(answers[3][2]["Retry-After"]) >= 1
    rows = await webhook.log.all()
    assert [r["http_status"] for r in rows] == [200, 200, 200, 429, 429]


async def test_repeat_by_id_is_a_duplicate_with_the_original_id(webhook: Webhook) -> None:
    _, first, _ = await webhook.post(alert(id="order-7"))
    status, again, _ = await webhook.post(alert(id="order-7", price=1.09))
    assert status == 200
    assert again == {"status": "duplicate", "alert_id": first["alert_id"]}
    assert webhook.queue.qsize() == 1
    rows = await webhook.log.all()
    assert [(r["status"], r["duplicate_of"]) for r in rows] == [
        ("accepted", None),
        ("duplicate", first["alert_id"]),
    ]


async def test_repeat_by_body_counts_only_within_the_window(make_webhook: WebhookFactory) -> None:
    webhook = await make_webhook(dedup_window_s=600)
    body = json.dumps(alert(id=...)).encode()
    _, first, _ = await webhook.post(body)
    webhook.clock.advance(599)
    _, second, _ = await webhook.post(body)
    assert second == {"status": "duplicate", "alert_id": first["alert_id"]}
    webhook.clock.advance(2)
    _, third, _ = await webhook.post(body)
    assert third["status"] == "accepted" and third["alert_id"] != first["alert_id"]


async def test_concurrent_resends_store_one_alert(webhook: Webhook) -> None:
    body = json.dumps(alert(id=...)).encode()
    answers = await asyncio.gather(*(webhook.post(body) for _ in range(10)))
    statuses = sorted(answer["status"] for _, answer, _ in answers)
    assert statuses == ["accepted"] + ["duplicate"] * 9
    assert len({answer["alert_id"] for _, answer, _ in answers}) == 1
    assert webhook.queue.qsize() == 1


async def test_allowlist_refuses_other_senders_but_not_healthz(
    make_webhook: WebhookFactory,
) -> None:
    webhook = await make_webhook(allowed_ips=("tradingview",))
    status, answer, _ = await webhook.post(alert())
    assert (status, answer) == (403, {"error": "sender not allowed"})
    # a forged X-Forwarded-For from an untrusted peer changes nothing
    status, _, _ = await webhook.post(alert(), headers={"X-Forwarded-For": "52.89.214.238"})
    assert status == 403
    async with webhook.http.get(webhook.base + "/healthz") as response:
        assert response.status == 200
        health = await response.text()
    assert PASSPHRASE not in health and json.loads(health)["status"] == "ok"
    rows = await webhook.log.all()
    assert [(r["http_status"], r["source_ip"]) for r in rows] == [
        (403, "127.0.0.1"),
        (403, "127.0.0.1"),
    ]


async def test_forwarded_sender_is_believed_only_from_a_trusted_proxy(
    make_webhook: WebhookFactory,
) -> None:
    webhook = await make_webhook(allowed_ips=("tradingview",), trusted_proxies=("127.0.0.1",))
    status, _, _ = await webhook.post(alert(), headers={"X-Forwarded-For": "52.89.214.238"})
    assert status == 200
    # the left-most hop is the client's own claim: only the right-most untrusted hop counts
    status, _, _ = await webhook.post(
        alert(id="a-2"), headers={"X-Forwarded-For": "52.89.214.238, 203.0.113.9"}
    )
    assert status == 403
    status, _, _ = await webhook.post(alert(id="a-3"))  # the proxy itself is not TradingView
    assert status == 403
    rows = await webhook.log.all()
    assert [r["source_ip"] for r in rows] == ["52.89.214.238", "203.0.113.9", "127.0.0.1"]


async def test_store_failure_is_503_and_the_resend_is_accepted(webhook: Webhook) -> None:
    async with webhook.database.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE alerts RENAME TO alerts_away"))
    status, answer, _ = await webhook.post(alert())
    assert status == 503 and "send it again" in answer["error"]
    assert webhook.queue.empty()

    async with webhook.database.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE alerts_away RENAME TO alerts"))
    status, answer, _ = await webhook.post(alert())  # TradingView's resend
    assert (status, answer["status"]) == (200, "accepted")
    assert webhook.queue.qsize() == 1


async def test_unprocessed_alerts_are_processed_again_after_a_restart(
    make_webhook: WebhookFactory,
) -> None:
    first = await make_webhook()
    _, one, _ = await first.post(alert(id="p-1"))
    _, two, _ = await first.post(alert(id="p-2"))
    done = first.queue.get_nowait()
    await first.log.mark_processed(done.alert_id, "offered", first.clock())

    restarted = await make_webhook()  # same database, new process state
    handled: list[AcceptedAlert] = []

    async def handle(accepted: AcceptedAlert) -> AlertOutcome:
        handled.append(accepted)
        return AlertOutcome(Outcome.IGNORED, "test")

    worker = AlertWorker(handle, restarted.log, clock=restarted.clock)
    assert await worker.requeue_unprocessed(AlertRules()) == 1
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    for _ in range(100):
        if handled:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await running
    [again] = handled
    assert again.alert_id == two["alert_id"] != one["alert_id"]
    assert again.alert.idempotency_key == "p-2"
    assert [a["id"] for a in await restarted.log.all() if a["processed_at"] is None] == []
    # and the restarted intake still knows both as originals
    _, repeat, _ = await restarted.post(alert(id="p-1"))
    assert repeat == {"status": "duplicate", "alert_id": one["alert_id"]}
