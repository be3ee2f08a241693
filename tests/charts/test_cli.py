from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import charts.__main__ as cli
from charts.__main__ import main
from charts.levels import chart_levels
from charts.spec import ChartSpec
from charts.title import title_head

from .conftest import CSV_1H, CSV_5M
from .test_render import png_size

ROOT = Path(__file__).resolve().parents[2]
LONG = [
    "--side",
    "buy",
    "--entry",
    "1.0950",
    "--stop",
    "1.0880",
    "--tp",
    "1.1000",
    "--tp",
    "1.1050:2R:50%",
]


def run(*args: str) -> int:
    try:
        return main(list(args))
    except SystemExit as exit_:  # argparse's own errors
        return int(exit_.code or 0)


def test_writes_a_png(tmp_path, capsys):
    out = tmp_path / "chart.png"
    code = run(
        "render",
        "--csv",
        str(CSV_5M),
        *LONG,
        "--symbol",
        "XRP/USDT:USDT",
        "--timeframe",
        "5m",
        "--bars",
        "120",
        "--end",
        "2021-11-16T12:00",
        "--tick",
        "0.0001",
        "--out",
        str(out),
    )
    assert code == 0
    assert png_size(out.read_bytes()) == (1200, 675)
    assert "wrote" in capsys.readouterr().out


def test_short_light_custom_size_with_defaults_inferred(tmp_path):
    out = tmp_path / "short.png"
    code = run(
        "render",
        "--csv",
        str(CSV_1H),
        "--side",
        "short",
        "--entry",
        "1.0800",
        "--stop",
        "1.0900",
        "--tp",
        "1.0700:1R",
        "--theme",
        "light",
        "--size",
        "800x450",
        "--mode",
        "live",
        "--strategy",
        "fade",
        "--out",
        str(out),
    )
    assert code == 0
    assert png_size(out.read_bytes()) == (800, 450)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--side", "up"], "--side must be buy, sell, long or short"),
        (["--entry", "abc"], "--entry must be a number"),
        (["--entry", "-1"], "--entry must be a price above zero"),
        (["--stop", "1.1000"], "the stop of a long must be below the entry"),
        (["--tp", "1.0900"], "TP3 1.0900 of a long must be above the entry"),
        (["--tp", "1.2:2X"], "expected PRICE[:<R>R][:<share>%]"),
        (["--tp", "1.2:150%"], "the share 0-100%"),
        (["--tp", "1.2:100%"], "TP1 would close nothing: the shares given already add up to 100%"),
        (["--bars", "1"], "--bars must be between 2 and 2000"),
        (["--end", "yesterday"], "--end must be an ISO time"),
        (["--end", "2020-01-01"], "no candles at or before 2020-01-01"),
        (["--theme", "neon"], "--theme must be dark or light"),
        (["--size", "big"], "--size must be WIDTHxHEIGHT"),
        (["--size", "10x10"], "out of range"),
        (["--csv", "missing.csv"], "no such file: missing.csv"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, args, message):
    options = {
        "--csv": str(CSV_5M),
        "--side": "buy",
        "--entry": "1.0950",
        "--stop": "1.0880",
        "--out": str(tmp_path / "x.png"),
    }
    extra = ["--tp", "1.1000", "--tp", "1.1050"]
    for flag, value in zip(args[::2], args[1::2], strict=True):
        if flag == "--tp":
            extra.append(flag)
            extra.append(value)
        else:
            options[flag] = value
    argv = ["render", *(x for pair in options.items() for x in pair), *extra]
    assert run(*argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert not (tmp_path / "x.png").exists()


def test_unreadable_csv_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    assert run("render", "--csv", str(bad), *LONG, "--out", str(tmp_path / "x.png")) == 2
    assert "missing column" in capsys.readouterr().err


def test_missing_options_exit_2_with_one_line(capsys):
    assert run("render", "--side", "buy") == 2
    err = capsys.readouterr().err
    assert "required" in err and err.count("\n") == 1


def test_python_dash_m_charts(tmp_path):
    out = tmp_path / "chart.png"
    ok = subprocess.run(
        [sys.executable, "-m", "charts", "render", "--csv", str(CSV_5M), *LONG, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert png_size(out.read_bytes()) == (1200, 675)
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "charts",
            "render",
            "--csv",
            str(CSV_5M),
            "--side",
            "buy",
            "--entry",
            "x",
            "--stop",
            "1",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "python -m charts: error: --entry must be a number, not 'x'"
    ]


def test_without_levels_draws_the_candles_alone(tmp_path, capsys):
    out = tmp_path / "bare.png"
    code = run(
        "render",
        "--csv",
        str(CSV_5M),
        "--symbol",
        "XRP/USDT:USDT",
        "--end",
        "2021-11-16T12:00",
        "--size",
        "800x450",
        "--out",
        str(out),
    )
    assert code == 0, capsys.readouterr().err
    assert png_size(out.read_bytes()) == (800, 450)
    with_side = tmp_path / "side.png"
    argv = ["render", "--csv", str(CSV_5M), "--end", "2021-11-16T12:00", "--size", "800x450"]
    argv += ["--symbol", "XRP/USDT:USDT", "--side", "short", "--out", str(with_side)]
    assert run(*argv) == 0
    assert with_side.read_bytes() == out.read_bytes()  # the side is not drawn


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--entry", "1.0950"], "--entry and --stop go together"),
        (["--stop", "1.0880"], "--entry and --stop go together"),
        (["--tp", "1.1000"], "--entry and --stop go together"),
        (["--entry", "1.0950", "--stop", "1.0880"], "--side is needed with --entry and --stop"),
        (["--side", "up"], "--side must be buy, sell, long or short"),
    ],
)
def test_partial_plans_exit_2_with_one_line(tmp_path, capsys, args, message):
    out = tmp_path / "x.png"
    assert run("render", "--csv", str(CSV_5M), *args, "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert not out.exists()


@pytest.fixture
def drawn(monkeypatch) -> list[ChartSpec]:
    """The specs the CLI draws (still drawn, by the real renderer)."""
    specs: list[ChartSpec] = []
    real = cli.render_chart

    def spy(candles, spec, **kwargs):
        specs.append(spec)
        return real(candles, spec, **kwargs)

    monkeypatch.setattr(cli, "render_chart", spy)
    return specs


ISSUE_EXAMPLE = [
    "render",
    "--csv",
    str(CSV_5M),
    "--side",
    "buy",
    "--entry",
    "1.0707",
    "--stop",
    "1.06",
    "--tp",
    "1.09:30%",
    "--tp",
    "1.13",
]


def test_the_issue_example_title_r_and_shares(tmp_path, capsys, drawn):
    out = tmp_path / "chart.png"
    assert run(*ISSUE_EXAMPLE, "--end", "2021-11-17T10:00", "--out", str(out)) == 0
    assert capsys.readouterr().err == ""  # --end is within the data: no warning
    [spec] = drawn
    assert spec.note is None
    assert title_head(spec.symbol, spec.timeframe) == "XRPUSDT-PERP · 5m"
    assert [level.label for level in chart_levels(spec)][2:] == [
        "TP1 1.0900 (1.8R) 30%",
        "TP2 1.1300 (5.54R) 70%",
    ]


def test_an_end_past_the_data_is_said_on_stderr_and_on_the_chart(tmp_path, capsys, drawn):
    out = tmp_path / "chart.png"
    assert run(*ISSUE_EXAMPLE, "--end", "2021-12-01T10:00", "--out", str(out)) == 0
    warning = "--end 2021-12-01 10:00 UTC is past the data: the last candle is 2021-11-21 22:30 UTC"
    captured = capsys.readouterr()
    assert captured.err == f"python -m charts: warning: {warning}\n"
    assert "wrote" in captured.out
    assert drawn[0].note == warning
    assert png_size(out.read_bytes()) == (1200, 675)


@pytest.mark.parametrize("end", ["2021-11-21T22:30", "2021-11-21T22:34:59"])
def test_an_end_within_the_last_candle_is_not_past_the_data(tmp_path, capsys, drawn, end):
    assert run(*ISSUE_EXAMPLE, "--end", end, "--out", str(tmp_path / "c.png")) == 0
    assert capsys.readouterr().err == ""
    assert drawn[0].note is None


def test_an_end_in_a_gap_is_said(tmp_path, capsys, drawn):
    rows = CSV_5M.read_text().splitlines()
    gappy = tmp_path / "gappy.csv"
    gappy.write_text("\n".join(rows[:101] + rows[113:]) + "\n")  # an hour missing
    argv = ["render", "--csv", str(gappy), "--end", "2021-11-15T08:30"]
    assert run(*argv, "--out", str(tmp_path / "c.png")) == 0
    warning = (
        "--end 2021-11-15 08:30 UTC falls in a gap in the data: the last candle before it is "
        "2021-11-15 08:15 UTC"
    )
    assert capsys.readouterr().err == f"python -m charts: warning: {warning}\n"
    assert drawn[0].note == warning
