"""The web app (``coachg serve``): log in, chat with Coach G (drop a run video or activity files
into the chat), import activities, connect Strava.

Built from three parts: :func:`build_app` (the Gradio page), :func:`make_server_app` (the page
mounted behind Gradio's login, beside the ``/signup`` form) and :func:`serve` (uvicorn on
localhost). Nothing is fetched from the internet: analytics are off, fonts are Gradio's bundled
ones, there are no share links.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
# Gradio's queue summarises every finished event with pandas for its monitoring dashboard, which
# Coach G does not mount; on pandas 3 each summary logged deprecation warnings (626 lines in 40
# minutes). Summarising never (every 2**62 events) leaves the log clean and the CPU idle.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(2**62))

import asyncio
import logging
from typing import Any

import gradio as gr
from fastapi import FastAPI
from starlette.routing import Mount

from storage.db import Database, database
from storage.monitoring import watch_queue_depth
from storage.private_files import private_dir, private_process
from storage.settings import Settings
from tools.jobs.runner import queue_depth, runner_for
from tools.markdown import escape
from ui.web_api import PREFIX as API_PREFIX
from ui.web_api import make_api
from ui.web_chat import ChatHandler, LazyCoach, stored_history
from ui.web_files import CHAT_FILE_TYPES
from ui.web_guard import WebGuard
from ui.web_import import IMPORT_FILE_TYPES, TABLE_HEADERS, ImportHandler
from ui.web_metrics import RequestMetrics, metrics_router
from ui.web_plan import PlanHandler
from ui.web_session import (
    FROM_MESSAGE,
    acting_user,
    athlete_choices,
    header_text,
    password_check,
)
from ui.web_settings import SettingsHandler
from ui.web_signup import SignupThrottle, signup_router
from ui.web_strength import StrengthHandler
from ui.web_tokens import TokensHandler
from ui.web_trends import TrendsHandler

log = logging.getLogger(__name__)

MAX_UPLOAD = "2gb"
#: Chat turns (and the import and sync buttons) of this many people run at once: heavy work
#: waits on the job queue (tools/jobs), so one person's video never holds up another's chat.
#: Gradio's default, one at a time per event, made everyone wait behind one video.
CONCURRENT_TURNS = 16
#: Gradio's default theme, with its bundled (local) fonts only.
THEME = gr.themes.Default(primary_hue="orange", neutral_hue="zinc")
CSS = """
#coachg-header { align-items: center; }
#coachg-header h2 { margin: 0; }
#chat-status { font-size: 0.85rem; opacity: 0.75; min-height: 1.2em; }
#chat video { max-height: 560px; width: auto; max-width: 100%; }
/* figures and key frames are made 700-760 px wide for the chat: shown at that width, never
   squeezed to a fixed height (a tall figure scrolls with the chat) */
#chat img { max-height: none; height: auto; width: auto; max-width: min(100%, 720px); }
footer { display: none !important; }
"""
AUTH_MESSAGE = (
    "Log in to <b>Coach G</b>. No account yet? "
    '<a href="/signup" id="signup-link" style="text-decoration: underline">Create one</a>.'
)
CHAT_PLACEHOLDER = (
    "**Ask Coach G** about your running: *what did I run this week?*, *my last 5 runs*, "
    "*why does cadence matter?* - or drop a side or rear video of 10-30 s of steady running here "
    "and write *analyze my run video*. Activity files (.fit, .gpx, .tcx, .zip) can go here too."
)


def coach_placeholder(athletes: list[str]) -> str:
    """The chat's welcome for a coach, naming their own athletes (``athletes``: their names as
    shown, in the dropdown's order)."""
    if not athletes:
        return (
            "**Ask Coach G** about your athletes once they have linked to you. Until then you "
            "can ask about your own running: *what did I run this week?*, *my last 5 runs*."
        )
    name = escape(athletes[0])
    return (
        f"**Ask Coach G about your athletes**: *how are my athletes doing?*, *who of my "
        f"athletes had a load spike this week?*, *{name}'s last 5 runs*, *how is {name}'s "
        f"cadence trending?* - or pick an athlete in *Question about* to ask about them without "
        f"naming them. A run video or activity files of theirs can go here too (pick them first)."
    )


def build_app(db: Database, settings: Settings, coach: Any = None) -> gr.Blocks:
    """The Gradio page. ``coach`` is an ``agent.coach.Coach`` (built on first use if None).

    Every handler identifies the user from Gradio's login (``request.username``) and re-checks
    in storage whom they may see; nothing the browser sends is trusted for that.
    """
    chat = ChatHandler(db, settings, coach)
    imports = ImportHandler(db, settings)
    prefs = SettingsHandler(db, settings)
    trends = TrendsHandler(db, settings)
    strength = StrengthHandler(db, settings)
    plans = PlanHandler(db, settings)
    tokens = TokensHandler(db)

    def on_load(request: gr.Request) -> tuple[Any, ...]:
        """The page for whoever logged in. A coach lands on their athletes: the Trends tab,
        whose roster comes first, and a chat welcome of their own."""
        actor = acting_user(db, request)
        chat.sessions.check(request, actor)  # this page session is this login's from now on
        options = athlete_choices(db, actor)
        history = stored_history(db, actor, media_root=settings.media_dir)
        is_coach = actor.role == "coach"
        who = header_text(actor)
        dropdown = gr.Dropdown(
            choices=options.choices, value=options.default, visible=is_coach, interactive=True
        )
        if not is_coach:
            return who, dropdown, history, history, gr.skip()
        athletes = [label for label, value in options.choices[2:] if value != FROM_MESSAGE]
        chatbot = gr.Chatbot(value=history, placeholder=coach_placeholder(athletes))
        return who, dropdown, history, chatbot, gr.Tabs(selected="trends-tab")

    with gr.Blocks(
        title="Coach G", analytics_enabled=False, delete_cache=(3600, 7 * 86400)
    ) as demo:
        history = gr.State([])
        with gr.Row(elem_id="coachg-header", equal_height=True):
            gr.Markdown("## Coach G", elem_id="coachg-title")
            who = gr.Markdown(elem_id="who")
            athlete = gr.Dropdown(
                label="Question about",
                choices=[],
                visible=False,
                elem_id="athlete-choice",
                scale=2,
            )
            gr.Button(
                "Log out", link="/logout", size="sm", variant="secondary", scale=0, min_width=90
            )
        with gr.Tabs(elem_id="coachg-tabs") as tabs:
            with gr.Tab("Chat", id="chat-tab"):
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    height="68vh",
                    placeholder=CHAT_PLACEHOLDER,
                    feedback_options=None,
                    buttons=["copy"],
                    show_label=False,
                    autoscroll=True,
                )
                status = gr.Markdown(elem_id="chat-status")
                with gr.Row(visible=False, elem_id="confirm-row") as confirm_row:
                    yes = gr.Button(
                        "Yes, do it", variant="primary", size="sm", elem_id="confirm-yes"
                    )
                    no = gr.Button("No", size="sm", elem_id="confirm-no")
                box = gr.MultimodalTextbox(
                    elem_id="chat-input",
                    placeholder="Ask Coach G, or drop a run video or activity files here…",
                    file_types=CHAT_FILE_TYPES,
                    file_count="multiple",
                    sources=["upload"],
                    show_label=False,
                    submit_btn=True,
                )
            with gr.Tab("Trends", id="trends-tab") as trends_tab:
                trends.build(athlete, trends_tab)
            with gr.Tab("Strength", id="strength-tab") as strength_tab:
                strength.build(athlete, strength_tab)
            with gr.Tab("Plan", id="plan-tab") as plan_tab:
                plans.build(athlete, plan_tab)
            with gr.Tab("Activities", id="activities-tab"):
                gr.Markdown(
                    "Import .fit, .gpx or .tcx files (also gzipped), zips of them, the zip of your "
                    "Strava bulk export, or the CSV export of Strong or Hevy (strength sessions). "
                    "What is already here is recognised and not added twice."
                )
                files = gr.File(
                    label="Activity files",
                    file_count="multiple",
                    file_types=IMPORT_FILE_TYPES,
                    elem_id="import-files",
                )
                target = gr.Markdown(elem_id="import-target")
                import_button = gr.Button("Import", variant="primary", elem_id="import-button")
                report = gr.Markdown(elem_id="import-report")
                table = gr.Dataframe(
                    headers=TABLE_HEADERS,
                    interactive=False,
                    elem_id="activities",
                    label="Activities (newest first)",
                    wrap=True,
                )
            with gr.Tab("Settings", id="settings-tab"):
                account = gr.Markdown(elem_id="account")
                gr.Markdown("### Strava")
                strava = gr.Markdown(elem_id="strava-status")
                with gr.Row():
                    connect = gr.Button(
                        "Connect Strava", variant="primary", elem_id="strava-connect"
                    )
                    sync = gr.Button("Sync now", elem_id="strava-sync")
                    disconnect = gr.Button(
                        "Disconnect", variant="stop", elem_id="strava-disconnect"
                    )
                gr.Markdown("### Password")
                old_password = gr.Textbox(
                    label="Current password", type="password", elem_id="old-password"
                )
                new_password = gr.Textbox(
                    label="New password", type="password", elem_id="new-password"
                )
                new_again = gr.Textbox(
                    label="New password again", type="password", elem_id="new-password-again"
                )
                change_password = gr.Button("Change password", elem_id="change-password")
                password_status = gr.Markdown(elem_id="password-status")
                tokens.build()

        chat_outputs = [history, chatbot, box, status, confirm_row]
        private: dict[str, Any] = {"api_visibility": "private"}
        loaded = demo.load(on_load, None, [who, athlete, history, chatbot, tabs], **private)
        trends.land(loaded)  # a coach's roster and figures, on the tab they land on
        tokens.land(loaded)
        loaded.then(imports.table, [athlete], [table], **private).then(
            imports.target, [athlete], [target], **private
        ).then(prefs.account, None, [account], **private).then(
            prefs.strava_status, None, [strava], **private
        )
        turns: dict[str, Any] = {
            "concurrency_limit": CONCURRENT_TURNS,
            "concurrency_id": "chat",
        }
        box.submit(chat.respond, [box, history, athlete], chat_outputs, api_name="chat", **turns)
        yes.click(
            chat.answer_yes, [history, athlete], chat_outputs, api_visibility="private", **turns
        )
        no.click(
            chat.answer_no, [history, athlete], chat_outputs, api_visibility="private", **turns
        )
        chatbot.clear(list, None, [history], api_visibility="private")
        athlete.change(imports.table, [athlete], [table], **private)
        athlete.change(imports.target, [athlete], [target], **private)
        import_button.click(
            imports.run_import,
            [files, athlete],
            [report, table, files],
            api_name="import",
            concurrency_limit=CONCURRENT_TURNS,
        )
        connect.click(prefs.connect, None, [strava], api_visibility="private")
        sync.click(
            prefs.sync, None, [strava], api_visibility="private", concurrency_limit=CONCURRENT_TURNS
        )
        disconnect.click(prefs.disconnect, None, [strava], api_visibility="private")
        change_password.click(
            prefs.change_password,
            [old_password, new_password, new_again],
            [password_status, old_password, new_password, new_again],
            api_name="change_password",
        )
    return demo


def make_server_app(
    db: Database, settings: Settings, coach: Any = None, allow_signup: bool = True
) -> FastAPI:
    """The whole web server: ``/signup``, the REST API (``/api/v1``, ui/web_api.py), the
    metrics (``/metrics``, ui/web_metrics.py) and the Gradio page behind Gradio's login."""
    app = FastAPI(title="Coach G", docs_url=None, redoc_url=None, openapi_url=None)
    if allow_signup:
        app.include_router(signup_router(db, SignupThrottle.from_settings(settings)))
    coach = coach if coach is not None else LazyCoach(db, settings)  # the chat's and the API's
    api = make_api(db, settings, lambda: coach)
    app.mount(API_PREFIX, api)  # before Gradio's mount at "/", which takes every other path
    app.include_router(metrics_router(db))
    watch_queue_depth(lambda: queue_depth(runner_for(db, settings)))
    blocks = build_app(db, settings, coach)
    private = [str(settings.media_dir.resolve()), str(settings.chroma_dir.resolve())]
    gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        auth=password_check(db),
        auth_message=AUTH_MESSAGE if allow_signup else "Log in to <b>Coach G</b>.",
        allowed_paths=[],  # artifacts are published into Gradio's cache, see ui/web_files.py
        blocked_paths=private,
        footer_links=[],
        run_history=False,
        max_file_size=MAX_UPLOAD,
        enable_monitoring=False,
        mcp_server=False,
        ssr_mode=False,
        pwa=False,
        show_error=False,  # handlers raise gr.Error with words for people; nothing raw
        theme=THEME,
        css=CSS,
    )
    # mount_gradio_app (unlike launch) leaves this False, and Gradio then skips its checks that
    # files sent by a browser come from its upload folder. Turn those checks on.
    blocks.has_launched = True
    # Every request passes the guard first: login required, logins throttled, sessions and
    # files bound to their user (ui/web_guard.py).
    gradio_app = next(
        route.app for route in app.routes if isinstance(route, Mount) and route.app is not api
    )
    app.add_middleware(WebGuard, gradio_app=gradio_app, db=db, allow_signup=allow_signup)
    app.add_middleware(RequestMetrics)  # outermost: the guard's refusals are counted too
    return app


def get_ready() -> None:
    """Train the intent classifier now if this install has none kept (once, saying so), and load
    it and the embedding model, so that nobody's first question waits for either."""
    from agent.intents import default_classifier, is_ready

    if not is_ready():
        print(
            "Coach G is getting ready: learning to read questions (once per install, under a "
            "minute)...",
            flush=True,
        )
        log.info("getting ready: training the intent classifier (once per install)")
    default_classifier().rank("ready")  # loads the embedding model too


def serve(host: str = "127.0.0.1", port: int = 7860, allow_signup: bool = True) -> None:
    """Run the web app until interrupted (``coachg serve``)."""
    import uvicorn

    settings = Settings.from_env()
    private_process()  # the database, media, uploads and Gradio's cache: the owner's alone
    private_dir(settings.home)
    os.environ.setdefault("GRADIO_TEMP_DIR", str(settings.home / "web-cache"))
    private_dir(settings.media_dir)
    db = database(settings.database_url)
    get_ready()
    runner_for(db, settings)  # the job queue's worker threads (none with COACHG_QUEUE_WORKERS=0)

    async def build() -> FastAPI:
        return make_server_app(db, settings, allow_signup=allow_signup)

    # Built inside a running event loop (closed after): outside one, Gradio makes a new loop for
    # each lock it creates and leaves it open, four "ResourceWarning: unclosed event loop" a start.
    app = asyncio.run(build())
    print(f"Coach G is running on http://{host}:{port} (Ctrl+C stops it).", flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("Coach G is reachable from other machines on %s; use HTTPS in front.", host)
    # The client address (login and sign-up throttles) is the socket's; X-Forwarded-For is
    # read only from the proxies COACHG_TRUSTED_PROXIES names (uvicorn would trust loopback).
    trusted = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
    # log_config=None: uvicorn logs through Coach G's handlers, which mask secrets.
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        log_config=None,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or [],
    )
