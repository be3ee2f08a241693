"""Property: whatever arrives, the webhook answers 2xx/4xx, never crashes, records it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.webhook.conftest import PASSPHRASE, Webhook, alert

_PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=25,
)

alert_keys = st.sampled_from(
    [
        "ticker", "action", "message", "price", "stop_loss", "take_profits", "qty", "notional",
        "risk_pct", "leverage", "time", "id", "order_type", "type", "strategy", "interval",
        "long SL", "short SL", "long TP", "short TP", "tp Close", "tp1 Mult", "tp2 Mult",
    ]
)  # fmt: skip

# near-valid alerts: a good alert with some fields replaced by arbitrary JSON values
mutated_alerts = st.builds(
    lambda changes: {**alert(id=None), **changes},
    st.dictionaries(alert_keys, json_values, max_size=4),
)

pytestmark = pytest.mark.postgres_too


async def _post_and_check(webhook: Webhook, body: bytes) -> int:
    before = len(await webhook.log.all())
    async with webhook.http.post(webhook.url, data=body) as response:
        status = response.status
        answer: Any = await response.json()
    assert status in {200, 400, 401, 413, 422, 429}, (status, answer)
    assert isinstance(answer, dict)
    assert ("status" in answer) if status == 200 else ("error" in answer)
    rows = await webhook.log.all()
    assert len(rows) == before + 1, "every request is recorded exactly once"
    assert rows[-1]["http_status"] == status
    assert PASSPHRASE not in rows[-1]["raw_body"]
    return status


@_PROPERTY_SETTINGS
@given(body=st.binary(max_size=2048))
async def test_arbitrary_bytes_never_cause_a_5xx(webhook: Webhook, body: bytes) -> None:
    await _post_and_check(webhook, body)


@_PROPERTY_SETTINGS
@given(payload=json_values)
async def test_arbitrary_json_never_causes_a_5xx(webhook: Webhook, payload: Any) -> None:
    await _post_and_check(webhook, json.dumps(payload).encode())


@_PROPERTY_SETTINGS
@given(payload=mutated_alerts)
async def test_mutated_alerts_are_accepted_or_refused_with_a_field(
    webhook: Webhook, payload: dict[str, Any]
) -> None:
    body = json.dumps(payload).encode()
    status = await _post_and_check(webhook, body)
    rows = await webhook.log.all()
    if status == 422:
        assert rows[-1]["field"], "a 422 names the field at fault"
    if status == 200:
        assert rows[-1]["status"] in {"accepted", "duplicate"}
