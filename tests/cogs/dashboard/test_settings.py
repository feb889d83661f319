"""Settings on the web: the same service and validation as /voicenotes-admin, obeyed by the
bot at once, only by admins, only in their own server."""

from __future__ import annotations

from testkit.discord.permissions import DEFAULT_EVERYONE_PERMISSIONS
from testkit.gemini import Reply
from tests.cogs.dashboard.conftest import Site
from tests.helpers.harness import transcript_reply
from tests.helpers.review import ReviewWorld, flagged_reply
from tests.helpers.web import WebClient, form_fields


async def _settings_form(browser: WebClient, guild_id: int) -> tuple[str, dict[str, str]]:
    path = f"/servers/{guild_id}/settings"
    page = await browser.get(path)
    assert page.status == 200, page.text
    return path, form_fields(page.text)


async def test_an_admin_changes_the_output_and_the_bot_obeys(
    site: Site, voice_note_bytes: bytes
) -> None:
    h = site.h
    async with site.client() as browser:
        await browser.login(site.admin)
        path, form = await _settings_form(browser, h.guild.id)
        assert form["output"] == "both"
        saved = await browser.post(path, form | {"output": "summary", "quiet": "on"})
        assert saved.path == f"{path}?saved=1"
        assert "Saved." in saved.text
        assert form_fields(saved.text)["output"] == "summary"
    h.gemini.enqueue(
        Reply.json(
            {
                "language": "en",
                "summary": "Only the gist, as the dashboard asked.",
                "key_points": ["a point"],
                "action_items": [],
                "emotion": "neutral",
                "flags": [],
            }
        )
    )
    note = await h.post_note(voice_note_bytes)
    await h.discord.wait_for(lambda: h.bot_messages(note.id), timeout=20)
    (reply,) = h.bot_messages(note.id)
    assert "Only the gist, as the dashboard asked." in reply.content
    assert h.discord.reactions_on(note) == {}  # quiet
    log = await h.bot.core.storage.audit_log(h.guild.id)
    assert [(e.action, e.actor_id) for e in log] == [("settings.update", site.admin.id)]


async def test_turning_a_channel_off_on_the_web_stops_automatic_transcripts(
    site: Site, voice_note_bytes: bytes
) -> None:
    h = site.h
    async with site.client() as browser:
        await browser.login(site.admin)
        path, form = await _settings_form(browser, h.guild.id)
        key = f"channel-{h.channel.id}"
        assert form[key] == "inherit"
        await browser.post(path, form | {key: "off"})
    assert str(await h.bot.core.storage.channel_auto_mode(h.channel.id)) == "off"
    ignored = await h.post_note(voice_note_bytes)
    elsewhere = h.discord.add_text_channel(h.guild, "elsewhere")
    h.gemini.enqueue(Reply.json(transcript_reply("Heard elsewhere.")))
    answered = await h.post_note(voice_note_bytes, elsewhere)
    await h.discord.wait_for(lambda: h.discord.reactions_on(answered).get("✅"))
    assert await h.bot.core.storage.jobs_for_message(ignored.id) == []


async def test_an_invalid_value_is_explained_and_nothing_changes(site: Site) -> None:
    h = site.h
    async with site.client() as browser:
        await browser.login(site.admin)
        path, form = await _settings_form(browser, h.guild.id)
        page = await browser.post(path, form | {"max_duration": "soon", "output": "summary"})
        assert page.status == 400
        assert "max_duration" in page.text or "duration" in page.text.lower()
    settings = await h.bot.core.storage.guild_settings(h.guild.id)
    assert str(settings.output_mode) == "both"
    assert await h.bot.core.storage.audit_log(h.guild.id) == []


async def test_saving_an_unchanged_form_writes_and_audits_nothing(site: Site) -> None:
    h = site.h
    async with site.client() as browser:
        await browser.login(site.admin)
        path, form = await _settings_form(browser, h.guild.id)
        await browser.post(path, form)
    assert await h.bot.core.storage.audit_log(h.guild.id) == []


async def test_the_max_duration_can_be_set_and_cleared(site: Site) -> None:
    h = site.h
    storage = h.bot.core.storage
    async with site.client() as browser:
        await browser.login(site.admin)
        path, form = await _settings_form(browser, h.guild.id)
        await browser.post(path, form | {"max_duration": "2:30"})
        assert (await storage.guild_settings(h.guild.id)).max_duration_s == 150
        path, form = await _settings_form(browser, h.guild.id)
        assert form["max_duration"] == "02:30"
        await browser.post(path, form | {"max_duration": ""})
        assert (await storage.guild_settings(h.guild.id)).max_duration_s is None


async def test_exempt_roles_follow_the_checkboxes(site: Site) -> None:
    h = site.h
    async with site.client() as browser:
        await browser.login(site.admin)
        path, form = await _settings_form(browser, h.guild.id)
        key = f"exempt-{site.moderator_role.id}"
        assert key not in form
        await browser.post(path, form | {key: "on"})
        assert (await h.bot.core.storage.guild_settings(h.guild.id)).exempt_role_ids == (
            site.moderator_role.id,
        )
        path, form = await _settings_form(browser, h.guild.id)
        del form[key]
        await browser.post(path, form)
    assert (await h.bot.core.storage.guild_settings(h.guild.id)).exempt_role_ids == ()


async def test_a_forged_channel_of_another_server_is_ignored(site: Site) -> None:
    h = site.h
    async with site.client() as browser:
        await browser.login(site.admin)
        path, form = await _settings_form(browser, h.guild.id)
        forged = f"channel-{site.other_channel.id}"
        await browser.post(path, form | {forged: "off"})
    assert await h.bot.core.storage.channel_auto_mode(site.other_channel.id) is None


async def test_a_post_without_the_csrf_token_changes_nothing(site: Site) -> None:
    h = site.h
    async with site.client() as browser:
        await browser.login(site.admin)
        path, form = await _settings_form(browser, h.guild.id)
        del form["csrf"]
        refused = await browser.post(path, form | {"output": "summary"})
        assert refused.status == 403
        wrong = await browser.post(path, form | {"output": "summary", "csrf": "x" * 43})
        assert wrong.status == 403
    assert str((await h.bot.core.storage.guild_settings(h.guild.id)).output_mode) == "both"


async def test_another_sessions_csrf_token_is_refused(site: Site) -> None:
    h = site.h
    async with site.client() as attacker:
        await attacker.login(site.other_admin)
        _, theirs = await _settings_form(attacker, site.other_guild.id)
    async with site.client() as browser:
        await browser.login(site.admin)
        path, form = await _settings_form(browser, h.guild.id)
        refused = await browser.post(path, form | {"csrf": theirs["csrf"], "output": "summary"})
        assert refused.status == 403


async def test_a_moderator_who_is_not_admin_gets_no_settings(site: Site) -> None:
    h = site.h
    mod = h.discord.make_user("mia")
    h.discord.add_member(h.guild, mod, permissions={"MANAGE_MESSAGES"})
    await h.discord.flush_events()
    async with site.client() as browser:
        await browser.login(mod)
        page = await browser.get(f"/servers/{h.guild.id}")
        assert page.status == 200
        assert "/settings" not in page.text
        assert (await browser.get(f"/servers/{h.guild.id}/settings")).status == 404
        assert (await browser.get(f"/servers/{h.guild.id}/usage")).status == 404
        overview = await browser.get(f"/servers/{h.guild.id}")
        forged = await browser.post(
            f"/servers/{h.guild.id}/settings", {"csrf": overview.csrf(), "output": "summary"}
        )
        assert forged.status == 404


async def test_review_settings_on_the_web_are_checked_like_the_command(
    site: Site, voice_note_bytes: bytes
) -> None:
    h = site.h
    world = await ReviewWorld.build(h, mentionable=False)
    locked = h.discord.add_text_channel(h.guild, "locked")
    h.discord.set_bot_permissions(locked, denied={"EMBED_LINKS", "ATTACH_FILES"})
    without = DEFAULT_EVERYONE_PERMISSIONS - {"MENTION_EVERYONE"}  # so @mods cannot be pinged
    h.discord.edit_role(h.guild, h.guild.roles[h.guild.id], permissions=without)
    await h.discord.flush_events()
    await h.discord.wait_for(
        lambda: h.bot.get_channel(locked.id) is not None, what="the bot to see #locked"
    )
    async with site.client() as browser:
        await browser.login(site.admin)
        path, form = await _settings_form(browser, h.guild.id)
        assert form["review_channel"] == ""  # off
        refused = await browser.post(path, form | {"review_channel": str(locked.id)})
        assert refused.status == 400
        missing = "I&#39;m missing Embed Links, Attach Files there."
        assert f"I can&#39;t post review cards in #locked: {missing}" in refused.text
        assert (await h.bot.core.storage.guild_settings(h.guild.id)).review_channel_id is None
        forged = await browser.post(path, form | {"review_channel": str(site.other_channel.id)})
        assert forged.status == 400
        chosen = {"review_channel": str(world.mods.id), "review_role": str(world.mods_role.id)}
        saved = await browser.post(path, form | chosen | {"review_cards": "flagged"})
        assert saved.path == f"{path}?saved=1"
        assert "I can&#39;t ping @mods in #mods: the role isn&#39;t mentionable" in saved.text
    settings = await h.bot.core.storage.guild_settings(h.guild.id)
    assert (settings.review_channel_id, settings.review_role_id) == (
        world.mods.id,
        world.mods_role.id,
    )
    log = await h.bot.core.storage.audit_log(h.guild.id)
    assert [e.action for e in log if e.action == "review.settings"] == ["review.settings"]
    await world.note(voice_note_bytes, flagged_reply(summary="A card, as the web asked."))
    (card,) = await world.wait_cards(1)
    assert world.embed(card)["description"] == "A card, as the web asked."


async def test_vocabulary_context_and_engine_on_the_web_reach_gemini(
    site: Site, voice_note_bytes: bytes
) -> None:
    h = site.h
    await h.bot.core.storage.add_vocabulary(h.guild.id, ["Old Term"])
    async with site.client() as browser:
        await browser.login(site.admin)
        path, form = await _settings_form(browser, h.guild.id)
        assert form["vocabulary"] == "Old Term"
        assert form["engine"] == "default"
        too_many = "\n".join(f"term {n}" for n in range(101))
        refused = await browser.post(path, form | {"vocabulary": too_many, "output": "summary"})
        assert refused.status == 400
        assert "A vocabulary holds at most 100 terms; that is 101." in refused.text
        assert (await h.bot.core.storage.guild_settings(h.guild.id)).output_mode.value == "both"
        chosen = {"vocabulary": "Kubernetes\nAda Lovelace", "context": "A <b>chess</b> club."}
        saved = await browser.post(path, form | chosen | {"links": "on"})
        assert saved.path == f"{path}?saved=1"
        assert form_fields(saved.text)["vocabulary"] == "Ada Lovelace\nKubernetes"
        assert "A &lt;b&gt;chess&lt;/b&gt; club." in saved.text
    settings = await h.bot.core.storage.guild_settings(h.guild.id)
    assert (settings.links_enabled, settings.server_context) == (True, "A <b>chess</b> club.")
    log = [e.action for e in await h.bot.core.storage.audit_log(h.guild.id)]
    assert {"vocabulary.replace", "settings.context", "settings.update"} <= set(log)
    h.gemini.enqueue(Reply.json(transcript_reply("Ada uses Kubernetes.")))
    note = await h.post_note(voice_note_bytes)
    await h.discord.wait_for(lambda: h.bot_messages(note.id), timeout=20)
    sent = str(h.gemini.requests[-1].body)
    assert "Kubernetes" in sent
    assert "Ada Lovelace" in sent
    assert "Old Term" not in sent
    assert "A <b>chess</b> club." in sent
