"""The aiohttp application: the alert endpoint and ``/healthz``."""

from __future__ import annotations

import time

from aiohttp import web

from webhook.intake import AlertIntake

__all__ = ["INTAKE", "make_app"]

INTAKE = web.AppKey("intake", AlertIntake)
_STARTED = web.AppKey("started", float)


def make_app(intake: AlertIntake, *, path: str = "/webhook") -> web.Application:
    """Build the web application around a ready :class:`AlertIntake`."""
    app = web.Application(client_max_size=intake.max_body_bytes)
    app[INTAKE] = intake
    app[_STARTED] = time.monotonic()
    app.router.add_post(path, _alert)
    app.router.add_get("/healthz", _healthz)
    return app


async def _alert(request: web.Request) -> web.Response:
    return await request.app[INTAKE].handle(request)


async def _healthz(request: web.Request) -> web.Response:
    uptime = time.monotonic() - request.app[_STARTED]
    return web.json_response({"status": "ok", "uptime_s": round(uptime, 1)})
