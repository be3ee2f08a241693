"""FakeDiscord driven by a real discord.py ``commands.Bot`` over REST + gateway."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import struct
import time
import warnings
import zlib
from collections.abc import AsyncIterator, Iterator

import pytest

with warnings.catch_warnings():
    # discord.py imports the deprecated ``audioop`` at import time (voice support).
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord
    from discord import app_commands
    from discord.ext import commands
    from discord.webhook.async_ import async_context, interaction_response_params

from tests.fakes.discord import FakeDiscord

APPROVER_ROLE = 1400000000000000010
VIEWER_ROLE = 1400000000000000011
TRADER = 1400000000000000100
OTHER = 1400000000000000101


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x10\x80\x10" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(
        roles={APPROVER_ROLE: "approver", VIEWER_ROLE: "viewer"},
        members={TRADER: [APPROVER_ROLE], OTHER: [VIEWER_ROLE]},
    ) as f:
        with f.patch_discord():
            yield f
        assert not f.internal_errors, f.internal_errors


@pytest.fixture(autouse=True)
def no_discord_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """discord.py logs (rather than raises) errors in handlers and event parsing."""
    yield
    errors = [
        r.getMessage() for r in caplog.get_records("call")
        if r.levelno >= logging.ERROR and r.name.startswith("discord")
    ]  # fmt: skip
    assert not errors, errors


def make_bot() -> commands.Bot:
    intents = discord.Intents.default()
    intents.guild_reactions = True
    return commands.Bot(command_prefix="!", intents=intents, guild_ready_timeout=0.05)


@contextlib.asynccontextmanager
async def running(bot: commands.Bot, fake: FakeDiscord) -> AsyncIterator[commands.Bot]:
    """Start ``bot`` against ``fake``, wait for on_ready, and always close it."""
    async with bot:
        runner = asyncio.create_task(bot.start(fake.token))
        ready = asyncio.create_task(bot.wait_until_ready())
        try:
            done, _ = await asyncio.wait(
                {runner, ready}, timeout=15, return_when=asyncio.FIRST_COMPLETED
            )
            if runner in done:
                runner.result()
            assert ready in done, "bot never became ready"
            yield bot
        finally:
            ready.cancel()
            await bot.close()
            with contextlib.suppress(asyncio.CancelledError):
                await runner


class AlertView(discord.ui.View):
    """The product's shape: a persistent approve/reject pair per trade."""

    def __init__(self, trade_id: str, calls: list[tuple[str, int, list[str]]]) -> None:
        super().__init__(timeout=None)
        self.trade_id, self.calls, self.decided = trade_id, calls, False
        for action, style in (
            ("approve", discord.ButtonStyle.success),
            ("reject", discord.ButtonStyle.danger),
        ):
            button: discord.ui.Button[AlertView] = discord.ui.Button(
                label=action.title(), style=style, custom_id=f"greenlight:{action}:{trade_id}"
            )
            button.callback = self._handler(action)
            self.add_item(button)

    def _handler(self, action: str):
        async def callback(interaction: discord.Interaction) -> None:
            user = interaction.user
            roles = [r.name for r in getattr(user, "roles", []) if not r.is_default()]
            self.calls.append((action, user.id, roles))
            if self.decided:
                await interaction.response.send_message("Already decided", ephemeral=True)
            elif action == "approve":
                self.decided = True
                await interaction.response.send_message(f"Approved {self.trade_id}", ephemeral=True)
                assert interaction.message is not None
                await interaction.message.edit(content=f"{self.trade_id}: APPROVED", view=None)
            else:
                self.decided = True
                await interaction.response.edit_message(
                    content=f"{self.trade_id}: REJECTED", view=None
                )

        return callback


async def post_alert(
    bot: commands.Bot, fake: FakeDiscord, calls: list[tuple[str, int, list[str]]]
) -> discord.Message:
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    embed = discord.Embed(title="XRPUSDT long", description="Entry 0.52 / SL 0.50")
    embed.add_field(name="Size", value="100")
    embed.set_image(url="attachment://chart.png")
    view = AlertView("T1", calls)
    bot.add_view(view)
    msg = await channel.send(
        embed=embed, file=discord.File(io.BytesIO(tiny_png()), filename="chart.png"), view=view
    )
    await msg.add_reaction("✅")
    await msg.add_reaction("❌")
    return msg


async def test_ready_with_guild_channel_and_roles(fake: FakeDiscord) -> None:
    async with running(make_bot(), fake) as bot:
        assert fake.connected
        guild = bot.get_guild(fake.guild_id)
        assert guild is not None and guild.name == "Greenlight Desk"
        channel = guild.get_channel(fake.channel_id)
        assert isinstance(channel, discord.TextChannel) and channel.name == "trade-alerts"
        assert {r.name for r in guild.roles} >= {"@everyone", "approver", "viewer"}
        assert guild.me is not None and guild.me.id == fake.bot_user_id
        assert bot.user is not None and bot.user.bot
        assert bot.application_id == fake.application_id
        # zlib-stream, or zstd-stream when a zstd module is installed
        wanted = discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE
        assert fake.gateway.connection_log == [("/gateway", wanted)]


async def test_guild_command_sync_is_stored(fake: FakeDiscord) -> None:
    bot = make_bot()
    guild = discord.Object(fake.guild_id)

    @bot.tree.command(name="pending", description="List pending trades", guild=guild)
    @app_commands.describe(symbol="Market symbol")
    async def pending(interaction: discord.Interaction, symbol: str, limit: int = 5) -> None:
        await interaction.response.send_message("none")

    async with running(bot, fake):
        synced = await bot.tree.sync(guild=guild)
        assert [c.name for c in synced] == ["pending"]
        stored = fake.registered_commands
        assert [c["name"] for c in stored] == ["pending"]
        assert int(stored[0]["id"]) == synced[0].id
        assert [(o["name"], o["type"], o.get("required", False)) for o in stored[0]["options"]] == [
            ("symbol", 3, True),
            ("limit", 4, False),
        ]
        again = await bot.tree.sync(guild=guild)
        assert again[0].id == synced[0].id  # bulk overwrite keeps ids


async def test_alert_with_embed_file_buttons_reactions_and_click(fake: FakeDiscord) -> None:
    calls: list[tuple[str, int, list[str]]] = []
    async with running(make_bot(), fake) as bot:
        msg = await post_alert(bot, fake, calls)
        stored = fake.message(msg.id)
        assert [m.id for m in fake.messages()] == [msg.id]
        assert stored.author_id == fake.bot_user_id
        (att,) = stored.attachments
        assert (att.filename, att.content_type, att.data) == ("chart.png", "image/png", tiny_png())
        assert (att.width, att.height) == (3, 2)
        assert stored.embeds[0]["title"] == "XRPUSDT long"
        assert stored.embeds[0]["image"]["url"] == att.url
        assert [b["custom_id"] for b in stored.buttons] == [
            "greenlight:approve:T1",
            "greenlight:reject:T1",
        ]
        assert stored.reactions == {"✅": {fake.bot_user_id}, "❌": {fake.bot_user_id}}
        assert await msg.attachments[0].read() == tiny_png()
        # MESSAGE_CREATE for the bot's own message fills discord.py's message cache
        await fake.wait_for(lambda: discord.utils.get(bot.cached_messages, id=msg.id) is not None)

        result = await fake.click(msg.id, "greenlight:approve:T1", user_id=TRADER)
        await result.wait_response()
        assert result.type == 4 and result.ephemeral and result.content == "Approved T1"
        assert calls == [("approve", TRADER, ["approver"])]
        assert result.original not in fake.messages()  # ephemeral: not in the channel
        await fake.wait_for(lambda: stored.content == "T1: APPROVED")
        assert stored.components == [] and stored.edited == 1
        assert stored.attachments == [att]  # PATCH without `attachments` keeps files


async def test_edits_keep_or_replace_attachments_and_history(fake: FakeDiscord) -> None:
    async with running(make_bot(), fake) as bot:
        channel = bot.get_channel(fake.channel_id)
        assert isinstance(channel, discord.TextChannel)
        msg = await channel.send("chart", file=discord.File(io.BytesIO(tiny_png()), "a.png"))
        await msg.edit(content="chart v2")  # no `attachments`: files stay
        msg = await msg.edit(
            attachments=[*msg.attachments, discord.File(io.BytesIO(b"x"), "b.txt")]
        )
        stored = fake.message(msg.id)
        assert [(a.filename, a.content_type) for a in stored.attachments] == [
            ("a.png", "image/png"), ("b.txt", "text/plain; charset=utf-8")]  # fmt: skip
        await msg.edit(attachments=[])
        assert stored.attachments == [] and stored.edited == 3
        await channel.send("second")
        assert [m.content async for m in channel.history(limit=5)] == ["second", "chart v2"]
        assert (await channel.fetch_message(msg.id)).content == "chart v2"
        await msg.delete()
        assert [m.content for m in fake.messages()] == ["second"] and stored.deleted


async def test_update_message_callback_changes_the_channel_message(fake: FakeDiscord) -> None:
    async with running(make_bot(), fake) as bot:
        msg = await post_alert(bot, fake, [])
        result = await fake.click(msg.id, "greenlight:reject:T1", user_id=OTHER)
        await result.wait_response()
        assert result.type == 7 and not result.ephemeral
        stored = fake.message(msg.id)
        assert stored.content == "T1: REJECTED" and stored.components == []
        assert result.original is stored and result.content == "T1: REJECTED"


async def test_second_click_still_reaches_the_bot(fake: FakeDiscord) -> None:
    calls: list[tuple[str, int, list[str]]] = []
    async with running(make_bot(), fake) as bot:
        msg = await post_alert(bot, fake, calls)
        first = await fake.click(msg.id, "greenlight:approve:T1", user_id=TRADER)
        second = await fake.click(msg.id, "greenlight:approve:T1", user_id=OTHER)
        await first.wait_response()
        await second.wait_response()
        assert [c[:2] for c in calls] == [("approve", TRADER), ("approve", OTHER)]
        assert (first.content, second.content) == ("Approved T1", "Already decided")
        assert calls[1][2] == ["viewer"]
        await fake.wait_for(lambda: fake.message(msg.id).content == "T1: APPROVED")


async def test_reaction_event_carries_member_roles(fake: FakeDiscord) -> None:
    bot = make_bot()
    seen: list[discord.RawReactionActionEvent] = []

    @bot.listen()
    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        seen.append(payload)

    async with running(bot, fake):
        msg = await post_alert(bot, fake, [])
        await fake.wait_for(lambda: len(seen) == 2)  # the bot's own two reactions
        await fake.react(msg.id, "✅", user_id=TRADER)
        await fake.wait_for(lambda: len(seen) == 3)
        event = seen[-1]
        assert (event.user_id, event.message_id, str(event.emoji)) == (TRADER, msg.id, "✅")
        assert event.member is not None
        assert [r.name for r in event.member.roles] == ["@everyone", "approver"]
        assert fake.message(msg.id).reactions["✅"] == {fake.bot_user_id, TRADER}
        await fake.react(msg.id, "❌", user_id=OTHER, role_ids=[APPROVER_ROLE])
        await fake.wait_for(lambda: len(seen) == 4)
        assert [r.id for r in seen[-1].member.roles[1:]] == [APPROVER_ROLE]  # type: ignore[union-attr]


async def test_thread_on_alert_and_message_in_it(fake: FakeDiscord) -> None:
    async with running(make_bot(), fake) as bot:
        msg = await post_alert(bot, fake, [])
        thread = await msg.create_thread(name="T1 events")
        assert thread.id == msg.id and thread.parent_id == fake.channel_id
        await thread.send("Order filled at 0.52")
        assert [m.content for m in fake.thread_messages(msg.id)] == ["Order filled at 0.52"]
        assert fake.message(msg.id).thread_id == msg.id
        assert fake.thread(msg.id).type == 11  # type: ignore[union-attr]
        await fake.wait_for(lambda: bot.get_channel(thread.id) is not None)  # THREAD_CREATE
        assert [m.id for m in fake.messages()] == [msg.id]  # the thread post stays in the thread
        with pytest.raises(discord.HTTPException) as err:
            await msg.create_thread(name="again")
        assert err.value.code == 160004
        channel = bot.get_channel(fake.channel_id)
        assert isinstance(channel, discord.TextChannel)
        ops = await channel.create_thread(name="ops", type=discord.ChannelType.public_thread)
        await ops.send("desk opened")
        assert [m.content for m in fake.messages(ops.id)] == ["desk opened"]
        assert fake.state.channels[ops.id].parent_id == fake.channel_id


async def test_slash_command_autocomplete_defer_followup_and_confirm(fake: FakeDiscord) -> None:
    bot = make_bot()
    guild = discord.Object(fake.guild_id)
    confirmed: list[int] = []

    class Confirm(discord.ui.View):
        @discord.ui.button(label="Confirm", custom_id="greenlight:confirm")
        async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
            confirmed.append(interaction.user.id)
            await interaction.response.edit_message(content="Confirmed", view=None)

    async def symbols(_: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=s, value=s)
            for s in ("XRPUSDT", "XLMUSDT", "BTCUSDT")
            if s.startswith(current.upper())
        ]

    @bot.tree.command(name="size", description="Set size", guild=guild)
    @app_commands.autocomplete(symbol=symbols)
    async def size(
        interaction: discord.Interaction, symbol: str, qty: int, leverage: float = 1.0
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(f"{symbol} x{qty} @ {leverage}", ephemeral=True)
        await interaction.followup.send("Sure?", view=Confirm(), ephemeral=True)

    group = app_commands.Group(name="trade", description="Trades", guild_ids=[fake.guild_id])

    @group.command(name="cancel", description="Cancel a trade")
    async def cancel(interaction: discord.Interaction, trade_id: str) -> None:
        await interaction.response.send_message(f"cancel {trade_id}")

    bot.tree.add_command(group)
    async with running(bot, fake):
        await bot.tree.sync(guild=guild)
        choices = await fake.autocomplete(
            "size", {"symbol": "x", "qty": 3}, "symbol", user_id=TRADER
        )
        assert [c["value"] for c in choices] == ["XRPUSDT", "XLMUSDT"]

        result = await fake.slash(
            "size", {"symbol": "XRPUSDT", "qty": 3, "leverage": 2}, user_id=TRADER
        )
        followups = await result.wait_followups(2)
        assert result.type == 5 and result.ephemeral and not result.loading
        assert result.content == "XRPUSDT x3 @ 2.0"  # first follow-up fills the "thinking"
        assert followups[0] is result.original and followups[1].content == "Sure?"
        confirm = await fake.click(followups[1].id, "greenlight:confirm", user_id=TRADER)
        await confirm.wait_response()
        assert confirmed == [TRADER] and followups[1].content == "Confirmed"

        cancelled = await fake.slash(
            "trade", {"trade_id": "T9"}, subcommand="cancel", user_id=OTHER
        )
        await cancelled.wait_response()
        assert cancelled.content == "cancel T9" and not cancelled.ephemeral
        assert fake.messages()[-1].content == "cancel T9"  # public responses are channel posts
        with pytest.raises(AssertionError, match="missing required"):
            await fake.slash("size", {"symbol": "XRPUSDT"}, user_id=TRADER)


async def test_double_acknowledgement_is_rejected_like_discord(fake: FakeDiscord) -> None:
    bot = make_bot()
    guild = discord.Object(fake.guild_id)
    errors: list[discord.HTTPException] = []

    @bot.tree.command(name="ping", description="Ping", guild=guild)
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")
        try:  # go around discord.py's own InteractionResponded guard
            await async_context.get().create_interaction_response(
                interaction.id,
                interaction.token,
                session=interaction._session,
                params=interaction_response_params(4, {"content": "again"}),
            )
        except discord.HTTPException as exc:
            errors.append(exc)

    async with running(bot, fake):
        await bot.tree.sync(guild=guild)
        result = await fake.slash("ping", user_id=TRADER)
        await result.wait_until(lambda r: bool(r.rejected))
        await fake.wait_for(lambda: bool(errors))
        assert (errors[0].status, errors[0].code) == (400, 40060)
        assert result.content == "pong"


async def test_deferred_update_edit_original_modal_delete_and_deadline(fake: FakeDiscord) -> None:
    bot = make_bot()
    late: list[discord.HTTPException] = []

    class Note(discord.ui.Modal, title="Add a note"):
        text: discord.ui.TextInput[Note] = discord.ui.TextInput(label="Note", custom_id="note")

    class Panel(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=None)

        @discord.ui.button(label="Refresh", custom_id="p:refresh")
        async def refresh(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
            await interaction.response.defer()  # type 6: ack without a message
            await interaction.edit_original_response(content="refreshed")  # the panel itself

        @discord.ui.button(label="Note", custom_id="p:note")
        async def note(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
            await interaction.response.send_modal(Note(custom_id="p:note-modal"))

        @discord.ui.button(label="Flash", custom_id="p:flash")
        async def flash(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
            await interaction.response.send_message("flash")
            await interaction.delete_original_response()

        @discord.ui.button(label="Slow", custom_id="p:slow")
        async def slow(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
            await asyncio.sleep(0.3)  # the bot under test being slow, not test synchronisation
            try:
                await interaction.response.send_message("too late")
            except discord.HTTPException as exc:
                late.append(exc)

    async with running(bot, fake):
        channel = bot.get_channel(fake.channel_id)
        assert isinstance(channel, discord.TextChannel)
        panel = await channel.send("panel", view=Panel())
        refresh = await fake.click(panel.id, "p:refresh", user_id=TRADER)
        await refresh.wait_until(lambda r: r.content == "refreshed")
        assert refresh.type == 6 and fake.message(panel.id).content == "refreshed"

        note = await fake.click(panel.id, "p:note", user_id=TRADER)
        await note.wait_response()
        assert note.type == 9 and note.modal is not None
        assert (note.modal["custom_id"], note.modal["title"]) == ("p:note-modal", "Add a note")

        flash = await fake.click(panel.id, "p:flash", user_id=TRADER)
        await flash.wait_until(lambda r: r.original is not None and r.original.deleted)
        assert [m.content for m in fake.messages()] == ["refreshed"]

        fake.interaction_deadline = 0.1
        slow = await fake.click(panel.id, "p:slow", user_id=TRADER)
        await fake.wait_for(lambda: bool(late))
        assert (late[0].status, late[0].code) == (404, 10062) and not slow.responded
        assert slow.rejected and "answered after" in slow.rejected[0][1]


@pytest.mark.parametrize("advertise", [False, True])
async def test_burst_into_rate_limited_channel_arrives_in_order(
    fake: FakeDiscord, advertise: bool
) -> None:
    fake.set_channel_rate_limit(fake.channel_id, count=5, per_s=1.0, advertise=advertise)
    async with running(make_bot(), fake) as bot:
        channel = bot.get_channel(fake.channel_id)
        assert isinstance(channel, discord.TextChannel)
        started = time.monotonic()
        for i in range(12):
            await channel.send(f"alert {i}")
        assert [m.content for m in fake.messages()] == [f"alert {i}" for i in range(12)]
        assert time.monotonic() - started >= 1.5  # three windows of five
        if not advertise:
            assert fake.rate_limited and all(
                h.channel_id == fake.channel_id for h in fake.rate_limited
            )
        assert all(r.status in (200, 429) for r in fake.requests if r.path.endswith("/messages"))


@pytest.mark.parametrize("abrupt", [False, True])
async def test_dropped_gateway_is_resumed_and_dispatches_continue(
    fake: FakeDiscord, abrupt: bool
) -> None:
    bot = make_bot()
    seen: list[int] = []
    resumed = asyncio.Event()

    @bot.listen()
    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        seen.append(payload.user_id)

    @bot.listen()
    async def on_resumed() -> None:
        resumed.set()

    calls: list[tuple[str, int, list[str]]] = []
    async with running(bot, fake):
        msg = await post_alert(bot, fake, calls)
        fake.disconnect_clients(abrupt=abrupt)
        await fake.react(msg.id, "✅", user_id=TRADER)  # sent while the bot is away
        await asyncio.wait_for(resumed.wait(), 15)
        assert fake.resumes == 1 and fake.identifies == 1
        assert fake.gateway.connection_log[-1][0] == "/gateway-resume"
        await fake.wait_for(lambda: TRADER in seen)
        result = await fake.click(msg.id, "greenlight:approve:T1", user_id=TRADER)
        await result.wait_response()
        assert result.content == "Approved T1" and seen.count(TRADER) == 1
        await fake.wait_for(lambda: fake.message(msg.id).content == "T1: APPROVED")


async def test_invalid_session_makes_the_client_identify_again(fake: FakeDiscord) -> None:
    async with running(make_bot(), fake):
        await fake.invalidate_sessions()
        await fake.wait_for(lambda: fake.identifies == 2 and fake.connected)


async def test_bad_token_and_unknown_routes(fake: FakeDiscord) -> None:
    bot = make_bot()
    async with bot:
        with pytest.raises(discord.LoginFailure):
            await bot.login("wrong-token")
    async with running(make_bot(), fake) as bot:
        with pytest.raises(discord.NotFound):
            await bot.http.request(discord.http.Route("GET", "/guilds/{g}/bans", g=fake.guild_id))
        assert [(u.method, u.path) for u in fake.unknown_routes] == [
            ("GET", f"/api/v10/guilds/{fake.guild_id}/bans")
        ]
        with pytest.raises(discord.HTTPException) as err:
            await bot.get_channel(fake.channel_id).send("x" * 2001)  # type: ignore[union-attr]
        assert err.value.code == 50035
        with pytest.raises(AssertionError, match="trade-alerts"):
            await fake.wait_for(lambda: False, timeout=0.05)
