"""Greenlight's settings: every key of DESIGN.md, read from the environment and ``.env``.

A missing or malformed key stops start-up with one line naming the key (see
:func:`load_settings`). Secrets are ``SecretStr``: they never show in ``repr``, logs or errors.
"""

from __future__ import annotations

import ipaddress
import json
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import ccxt
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

__all__ = [
    "ConfigError",
    "ExpiryAction",
    "MarginMode",
    "Settings",
    "TradingMode",
    "load_settings",
]

IdList = Annotated[tuple[int, ...], NoDecode]
NetworkList = Annotated[tuple[str, ...], NoDecode]


class TradingMode(StrEnum):
    """Where approved orders go."""

    PAPER = "paper"
    LIVE = "live"


class MarginMode(StrEnum):
    """The margin mode the account's symbols must be set to."""

    CROSS = "cross"
    ISOLATED = "isolated"


class ExpiryAction(StrEnum):
    """What happens to an approval nobody decided in time."""

    REJECT = "reject"
    APPROVE = "approve"


class ConfigError(Exception):
    """A setting is missing or wrong; ``str()`` is the one line to show."""


class Settings(BaseSettings):
    """All configuration keys; the env var is the field name in upper case."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        hide_input_in_errors=True,
    )

    discord_token: SecretStr
    discord_guild_id: int = Field(gt=0)
    discord_channel_id: int = Field(gt=0)
    approver_role_ids: IdList = ()
    approver_user_ids: IdList = ()
    viewer_role_ids: IdList = ()
    discord_api_base_url: str = ""

    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(8080, ge=0, le=65535)
    webhook_path: str = "/webhook"
    webhook_passphrase: SecretStr
    webhook_allowed_ips: NetworkList = ()
    webhook_trusted_proxies: NetworkList = ()
    webhook_rate_limit: int = Field(120, ge=1)
    dedup_window_s: int = Field(600, ge=0)

    trading_mode: TradingMode = TradingMode.PAPER
    exchange_id: str = "binanceusdm"
    exchange_api_key: SecretStr = SecretStr("")
    exchange_api_secret: SecretStr = SecretStr("")
    exchange_password: SecretStr = SecretStr("")
    exchange_sandbox: bool = False
    margin_mode: MarginMode = MarginMode.CROSS
    exchange_options: Annotated[dict[str, Any], NoDecode] = Field(default_factory=dict, repr=False)

    database_url: str = Field("sqlite+aiosqlite:///data/greenlight.db", repr=False)

    risk_per_trade_pct: Decimal = Field(Decimal(1), gt=0, le=100)
    max_risk_per_trade_pct: Decimal = Field(Decimal(5), gt=0, le=100)
    default_stop_pct: Decimal | None = Field(None, gt=0, lt=100)
    default_leverage: int = Field(1, ge=1, le=125)
    approval_timeout_min: Decimal = Field(Decimal(15), gt=0)
    approval_expiry_action: ExpiryAction = ExpiryAction.REJECT
    breakeven_after_tp: int = Field(1, ge=0, le=10)
    breakeven_offset_pct: Decimal = Field(Decimal("0.1"), ge=0, lt=10)
    max_price_drift_pct: Decimal = Field(Decimal(1), ge=0)
    paper_balance: Decimal = Field(Decimal(10000), gt=0)
    paper_slippage_pct: Decimal = Field(Decimal("0.02"), ge=0, lt=5)
    monitor_interval_s: float = Field(5.0, gt=0)
    protection_timeout_s: float = Field(10.0, gt=0, le=300)
    log_level: str = "INFO"

    @field_validator("approver_role_ids", "approver_user_ids", "viewer_role_ids", mode="before")
    @classmethod
    def _id_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            items = [item.strip() for item in value.split(",") if item.strip()]
            for item in items:
                if not item.isdigit():
                    raise ValueError(f"{item!r} is not a Discord id (digits only)")
            return tuple(int(item) for item in items)
        return value

    @field_validator("webhook_allowed_ips", "webhook_trusted_proxies", mode="before")
    @classmethod
    def _network_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [item.strip() for item in value.split(",") if item.strip()]
        for item in value:
            if item.lower() == "tradingview":
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network") from None
        return tuple(value)

    @field_validator("exchange_options", mode="before")
    @classmethod
    def _json_object(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                return {}
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not valid JSON ({exc.msg} at character {exc.pos})") from None
        if not isinstance(value, dict):
            raise ValueError('must be a JSON object such as {"options": {...}}')
        return value

    @field_validator("default_stop_pct", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/") or value == "/healthz":
            raise ValueError("must start with / (and not be /healthz)")
        return value

    @field_validator("exchange_id")
    @classmethod
    def _exchange(cls, value: str) -> str:
        if value not in ccxt.exchanges:
            raise ValueError(f"{value!r} is not a ccxt exchange id")
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                "not a database URL such as sqlite+aiosqlite:///data/greenlight.db"
            ) from None
        drivers = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}
        backend = url.get_backend_name()
        if backend not in drivers:
            raise ValueError("use sqlite+aiosqlite:// or postgresql+asyncpg://")
        return url.set(drivername=f"{backend}+{drivers[backend]}").render_as_string(False)

    @field_validator("webhook_passphrase")
    @classmethod
    def _passphrase(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 8:
            raise ValueError("too short: use at least 8 characters")
        return value

    @field_validator("discord_token")
    @classmethod
    def _token(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("is empty")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level

    @model_validator(mode="after")
    def _cross_checks(self) -> Settings:
        if not self.approver_role_ids and not self.approver_user_ids:
            raise ValueError("APPROVER_ROLE_IDS/APPROVER_USER_IDS: give at least one approver")
        if self.trading_mode is TradingMode.LIVE:
            if not self.exchange_api_key.get_secret_value():
                raise ValueError("EXCHANGE_API_KEY: required when TRADING_MODE=live")
            if not self.exchange_api_secret.get_secret_value():
                raise ValueError("EXCHANGE_API_SECRET: required when TRADING_MODE=live")
        if self.risk_per_trade_pct > self.max_risk_per_trade_pct:
            raise ValueError("RISK_PER_TRADE_PCT: above MAX_RISK_PER_TRADE_PCT")
        return self

    def secret_values(self) -> list[str]:
        """Every secret's value, for masking in logs."""
        values = [
            self.discord_token.get_secret_value(),
            self.webhook_passphrase.get_secret_value(),
            self.exchange_api_key.get_secret_value(),
            self.exchange_api_secret.get_secret_value(),
            self.exchange_password.get_secret_value(),
        ]
        password = make_url(self.database_url).password
        if password:
            values.append(str(password))
        return [value for value in values if value]

    @property
    def approval_timeout_s(self) -> float:
        """``APPROVAL_TIMEOUT_MIN`` in seconds."""
        return float(self.approval_timeout_min * 60)


def load_settings(env_file: str | None = ".env", **overrides: Any) -> Settings:
    """Read the settings, or raise :class:`ConfigError` with one line naming the key."""
    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None


def _one_line(exc: ValidationError) -> str:
    errors = exc.errors(include_input=False, include_url=False)
    first = errors[0]
    key = str(first["loc"][0]).upper() if first["loc"] else ""
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "missing":
        message = "required (set it in the environment or in .env)"
    line = f"{key}: {message}" if key and not message.startswith(key) else message
    if len(errors) > 1:
        others = sorted({str(e["loc"][0]).upper() for e in errors[1:] if e["loc"]} - {key})
        if others:
            line += f" (also check {', '.join(others)})"
    return f"configuration error: {line}"
