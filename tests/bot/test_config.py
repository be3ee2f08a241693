"""Settings: every key documented, one clear line per bad key, secrets never shown."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import ConfigError, ExpiryAction, Settings, TradingMode, load_settings

ROOT = Path(__file__).parents[2]
REQUIRED = {
    "discord_token": "token-abcdefghijklmnop",
    "discord_guild_id": "111",
    "discord_channel_id": "222",
    "webhook_passphrase": "correct horse battery",
    "approver_user_ids": "333",
}


def settings(**changes: str) -> Settings:
    values = {**REQUIRED, **changes}
    return load_settings(None, **{k: v for k, v in values.items() if v is not None})


def problem(**changes: str | None) -> str:
    values = {**REQUIRED, **changes}
    with pytest.raises(ConfigError) as caught:
        load_settings(None, **{k: v for k, v in values.items() if v is not None})
    line = str(caught.value)
    assert "\n" not in line
    return line


def test_env_example_documents_every_key_with_a_comment() -> None:
    text = (ROOT / ".env.example").read_text()
    documented = re.findall(r"^([A-Z_]+)=", text, flags=re.MULTILINE)
    assert sorted(documented) == sorted(name.upper() for name in Settings.model_fields)
    for key in documented:
        before = text.split(f"\n{key}=")[0].rstrip().splitlines()
        assert before[-1].startswith("#") or before[-1].split("=")[0] in documented, key


def test_defaults_are_the_designs() -> None:
    s = settings()
    assert (s.webhook_host, s.webhook_port, s.webhook_path) == ("0.0.0.0", 8080, "/webhook")
    assert s.trading_mode is TradingMode.PAPER and s.exchange_id == "binanceusdm"
    assert s.database_url == "sqlite+aiosqlite:///data/greenlight.db"
    assert (s.webhook_rate_limit, s.dedup_window_s) == (120, 600)
    assert s.risk_per_trade_pct == Decimal(1) and s.default_stop_pct is None
    assert (s.default_leverage, s.approval_timeout_min) == (1, Decimal(15))
    assert s.approval_expiry_action is ExpiryAction.REJECT
    assert (s.breakeven_after_tp, s.breakeven_offset_pct) == (1, Decimal("0.1"))
    assert (s.max_price_drift_pct, s.paper_balance) == (Decimal(1), Decimal(10000))
    assert s.exchange_options == {}


def test_lists_and_json_are_parsed() -> None:
    s = settings(
        approver_role_ids="10, 20",
        viewer_role_ids="30",
        webhook_allowed_ips="tradingview, 10.0.0.0/8",
        exchange_options='{"options": {"recvWindow": 10000}}',
        approval_timeout_min="0.5",
        default_stop_pct="1.5",
    )
    assert s.approver_role_ids == (10, 20) and s.viewer_role_ids == (30,)
    assert s.webhook_allowed_ips == ("tradingview", "10.0.0.0/8")
    assert s.exchange_options == {"options": {"recvWindow": 10000}}
    assert s.approval_timeout_s == 30.0 and s.default_stop_pct == Decimal("1.5")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"discord_token": None}, "DISCORD_TOKEN: required"),
        ({"discord_channel_id": "general"}, "DISCORD_CHANNEL_ID: "),
        ({"approver_user_ids": None}, "APPROVER_ROLE_IDS/APPROVER_USER_IDS"),
        ({"approver_user_ids": "alice"}, "APPROVER_USER_IDS: 'alice' is not a Discord id"),
        ({"webhook_port": "99999"}, "WEBHOOK_PORT: "),
        ({"webhook_path": "webhook"}, "WEBHOOK_PATH: must start with /"),
        ({"webhook_passphrase": "short"}, "WEBHOOK_PASSPHRASE: too short"),
        ({"webhook_allowed_ips": "somewhere"}, "WEBHOOK_ALLOWED_IPS: 'somewhere' is not an IP"),
        ({"trading_mode": "yolo"}, "TRADING_MODE: "),
        ({"exchange_id": "nowhere"}, "EXCHANGE_ID: 'nowhere' is not a ccxt exchange id"),
        ({"exchange_options": "{oops"}, "EXCHANGE_OPTIONS: not valid JSON"),
        ({"exchange_options": "[1]"}, "EXCHANGE_OPTIONS: must be a JSON object"),
        ({"database_url": "mysql://x/y"}, "DATABASE_URL: use sqlite+aiosqlite://"),
        ({"risk_per_trade_pct": "-1"}, "RISK_PER_TRADE_PCT: "),
        ({"approval_expiry_action": "shrug"}, "APPROVAL_EXPIRY_ACTION: "),
        ({"trading_mode": "live"}, "EXCHANGE_API_KEY: required when TRADING_MODE=live"),
    ],
)
def test_a_bad_key_is_one_line_naming_it(changes: dict[str, str | None], expected: str) -> None:
    line = problem(**changes)
    assert line.startswith("configuration error: ")
    assert expected in line, line


def test_secrets_never_show() -> None:
    s = settings(exchange_api_key="key-1234567890", exchange_api_secret="secret-1234567890")
    shown = repr(s) + str(s)
    for secret in ("token-abcdefghijklmnop", "correct horse battery", "secret-1234567890"):
        assert secret not in shown
    assert set(s.secret_values()) >= {"token-abcdefghijklmnop", "secret-1234567890"}
    line = problem(webhook_passphrase="1234567", discord_token="token-abcdefghijklmnop")
    assert "1234567" not in line and "token-abcdefghijklmnop" not in line


def test_database_url_driver_is_completed_and_its_password_masked() -> None:
    s = settings(database_url="postgresql://greenlight:hunter22@db/greenlight")
    assert s.database_url == "postgresql+asyncpg://greenlight:hunter22@db/greenlight"
    assert "hunter22" not in repr(s)
    assert "hunter22" in s.secret_values()
