"""The alert intake: check, store, acknowledge, then hand over for processing.

Order of checks: allowlist (403), rate limit (429), size (413), JSON (400), passphrase (401),
fields (422), repeat (200 duplicate). Every request is recorded in the alert log before it is
answered, refused ones too; only a failure to store answers 5xx, so that TradingView resends.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from trading.alert_parser import parse_alert
from trading.alerts import AcceptedAlert, Alert
from trading.errors import AlertError
from trading.ids import new_id
from trading.store.alert_log import AlertLog, AlertRecord, AlertStatus
from trading.store.database import StoreUnavailable
from webhook.config import WebhookConfig
from webhook.dedup import ID_WINDOW_S, Deduplicator, Reservation
from webhook.rate_limit import RateLimiter
from webhook.senders import SenderPolicy

__all__ = ["AlertIntake", "Submit", "TargetCheck"]

#: Answers whether an exit/TP/breakeven/cancel alert has an open or pending trade to act on.
TargetCheck = Callable[[Alert], Awaitable[bool]]
#: Takes a stored and acknowledged alert for processing (the desk's ``submit``).
Submit = Callable[[AcceptedAlert], None]

_log = logging.getLogger(__name__)
_REDACTED = "[redacted]"
_KEEP_REFUSED = 8 * 1024  # bytes of a refused body worth keeping for the record


class _Refusal(Exception):
    def __init__(
        self, status: int, error: str, field: str | None = None, *, body_size: int | None = None
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.field = field
        self.body_size = body_size


class AlertIntake:
    """Handles ``POST`` on the webhook path; see the module docstring for the contract."""

    def __init__(
        self,
        config: WebhookConfig,
        alert_log: AlertLog,
        submit: Submit,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        has_target: TargetCheck | None = None,
    ) -> None:
        self._config = config
        self._log = alert_log
        self._submit = submit
        self._clock = clock
        self._secret = config.passphrase.encode()
        self._senders = SenderPolicy(config.allowed_ips, config.trusted_proxies)
        self._limiter = RateLimiter(config.rate_limit_per_min)
        self._dedup = Deduplicator(config.dedup_window_s, clock=lambda: self._clock().timestamp())
        self._has_target = has_target

    @property
    def max_body_bytes(self) -> int:
        """The largest body accepted (413 above)."""
        return self._config.max_body_bytes

    async def load(self) -> None:
        """Rebuild the repeat index from alerts accepted recently."""
        horizon = max(self._config.dedup_window_s, ID_WINDOW_S)
        since = self._clock() - timedelta(seconds=horizon)
        recent = await self._log.recent(since)
        self._dedup.load(
            (a.id, a.idempotency_key, a.body_sha256, a.received_at.timestamp()) for a in recent
        )

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one alert request."""
        received_at = self._clock()
        sender = self._senders.client_address(
            request.remote, request.headers.get("X-Forwarded-For")
        )
        alert_id = new_id(int(received_at.timestamp() * 1000))
        body = b""
        payload: Any = None
        try:
            if not self._senders.is_allowed(sender):
                raise _Refusal(403, "sender not allowed")
            if not self._limiter.allow(sender):
                raise _Refusal(429, "too many alerts: slow down")
            body = await self._read_body(request)
            payload = _decode(body)
            self._check_passphrase(payload)
            try:
                alert = parse_alert(payload, self._config.alert_rules)
            except AlertError as exc:
                raise _Refusal(422, exc.message, exc.field) from None
        except _Refusal as refusal:
            return await self._refuse(refusal, alert_id, received_at, sender, body, payload)

        body_hash = hashlib.sha256(body).hexdigest()
        found = await self._dedup.find_or_reserve(alert.idempotency_key, body_hash, alert_id)
        record = AlertRecord(
            id=alert_id,
            received_at=received_at,
            source_ip=sender,
            raw_body=self._redact(body, payload),
            body_size=len(body),
            body_sha256=body_hash,
            status=AlertStatus.ACCEPTED,
            http_status=200,
            idempotency_key=alert.idempotency_key,
            kind=alert.kind.value,
            ticker=alert.ticker,
            strategy=alert.strategy,
        )
        if not isinstance(found, Reservation):
            return await self._answer_duplicate(record, found)
        try:
            await self._log.append(record)
        except StoreUnavailable:
            self._dedup.release(found)
            return web.json_response(
                {"error": "the alert could not be stored; send it again"}, status=503
            )
        self._dedup.confirm(found)
        if not alert.kind.needs_approval and not await self._targets_a_trade(alert):
            await self._log.mark_processed(
                alert_id, f"ignored: no open or pending trade for {alert.ticker}", self._clock()
            )
            return web.json_response({"status": "ignored", "alert_id": alert_id})
        self._submit(AcceptedAlert(alert_id, alert, received_at))
        return web.json_response({"status": "accepted", "alert_id": alert_id})

    async def _targets_a_trade(self, alert: Alert) -> bool:
        """Whether an exit/TP/breakeven/cancel alert has a trade to act on (True if unsure)."""
        if self._has_target is None:
            return True
        try:
            return await self._has_target(alert)
        except Exception:  # unsure: let the processor decide, never lose the alert
            _log.exception("could not check whether alert %s has a trade", alert.ticker)
            return True

    async def _answer_duplicate(self, record: AlertRecord, original_id: str) -> web.Response:
        duplicate = replace(
            record,
            status=AlertStatus.DUPLICATE,
            duplicate_of=original_id,
            reason=f"repeat of {original_id}",
        )
        try:
            await self._log.append(duplicate)
        except StoreUnavailable:
            _log.warning("could not record a duplicate of %s", original_id)
        return web.json_response({"status": "duplicate", "alert_id": original_id})

    async def _read_body(self, request: web.Request) -> bytes:
        limit = self._config.max_body_bytes
        too_large = f"body larger than {limit // 1024} KiB"
        if request.content_length is not None and request.content_length > limit:
            raise _Refusal(413, too_large, body_size=request.content_length)
        try:
            return await request.read()  # the app's client_max_size is the same limit
        except web.HTTPRequestEntityTooLarge as exc:  # streamed past the limit
            raise _Refusal(413, too_large, body_size=limit + 1) from exc

    def _check_passphrase(self, payload: dict[str, Any]) -> None:
        given = payload.get("passphrase")
        if not isinstance(given, str) or not given:
            raise _Refusal(401, "passphrase missing")
        if not hmac.compare_digest(given.encode(), self._secret):
            raise _Refusal(401, "wrong passphrase")

    async def _refuse(
        self,
        refusal: _Refusal,
        alert_id: str,
        received_at: datetime,
        sender: str,
        body: bytes,
        payload: Any,
    ) -> web.Response:
        kept = body[:_KEEP_REFUSED]
        record = AlertRecord(
            id=alert_id,
            received_at=received_at,
            source_ip=sender,
            raw_body=self._redact(kept, payload if len(kept) == len(body) else None),
            body_size=refusal.body_size if refusal.body_size is not None else len(body),
            body_sha256=hashlib.sha256(body).hexdigest(),
            status=AlertStatus.REJECTED,
            http_status=refusal.status,
            reason=refusal.error,
            field=refusal.field,
            ticker=_short_text(payload, "ticker"),
            strategy=_short_text(payload, "strategy"),
        )
        try:
            await self._log.append(record)
        except StoreUnavailable:
            _log.warning("could not record a refused alert (%s)", refusal.status)
        answer: dict[str, Any] = {"error": refusal.error}
        if refusal.field is not None:
            answer["field"] = refusal.field
        headers = None
        if refusal.status == 429:
            headers = {"Retry-After": str(self._limiter.retry_after(sender))}
        return web.json_response(answer, status=refusal.status, headers=headers)

    def _redact(self, body: bytes, payload: Any) -> str:
        """The body as text with any passphrase taken out."""
        if isinstance(payload, dict) and "passphrase" in payload:
            return json.dumps({**payload, "passphrase": _REDACTED}, ensure_ascii=False)
        text = body.decode("utf-8", errors="replace")
        secret = self._config.passphrase
        return text.replace(secret, _REDACTED) if secret else text


def _decode(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, whatever the Content-Type said."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _Refusal(400, "body is not UTF-8 text") from None
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError):
        raise _Refusal(400, "body is not JSON") from None
    if not isinstance(payload, dict):
        raise _Refusal(400, "body must be a JSON object")
    return payload


def _short_text(payload: Any, key: str) -> str | None:
    value = payload.get(key) if isinstance(payload, dict) else None
    return value[:128] if isinstance(value, str) else None
