"""Nothing lost under load: a backup taken while two real servers take comments and reads, and a server killed
with SIGKILL in the middle of a stream of comments. Both databases."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error

import pytest
from sqlalchemy import select

from app import create_app
from content.text import now_utc
from models import Article, ArticleStatus, Category, Comment, db
from tests.conftest import BROWSER_AGENT, settings_for_tests
from tests.databases import drop_database, new_database_url
from tests.test_gunicorn import GUNICORN, ROOT, Browser, free_port, post_comment, wait_until_listening

CLIENTS = 8
# How many comments the servers answer before the backup (or the kill), and after it: the load is counted, not timed.
BEFORE, AFTER = 60, 60


class Stream:
    """Clients sending comments and reads to servers until stopped, noting what each server acknowledged."""

    def __init__(self, servers: list[str], article_id: int) -> None:
        self.servers, self.article_id = servers, article_id
        self.acknowledged: list[tuple[float, str]] = []  # (when the answer came, the comment's text)
        self.sent: set[str] = set()
        self.reads: list[float] = []
        self.lock, self.stopping = threading.Condition(), threading.Event()
        self.threads = [threading.Thread(target=self.client, args=(number,)) for number in range(CLIENTS)]

    def __enter__(self) -> Stream:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def client(self, number: int) -> None:
        """One client: a comment, then a read, on the servers in turn, until told to stop."""
        sent = 0
        while not self.stopping.is_set():
            server = self.servers[(number + sent) % len(self.servers)]
            text = f"Load comment {number}-{sent}"
            sent += 1
            with self.lock:
                self.sent.add(text)
            try:
                if post_comment(server, text) == 302:
                    with self.lock:
                        self.acknowledged.append((time.monotonic(), text))
                        self.lock.notify_all()
                status, _, _ = Browser().get(f"{server}/reads/{self.article_id}")
                if status == 200:
                    with self.lock:
                        self.reads.append(time.monotonic())
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError):
                pass  # a server killed mid-request: nothing was acknowledged

    def wait_for_answers(self, count: int, since: float = 0.0) -> None:
        """Block until the servers have acknowledged `count` comments after `since` (a monotonic time)."""
        with self.lock:
            assert self.lock.wait_for(lambda: sum(when > since for when, _ in self.acknowledged) >= count, timeout=120)

    def acknowledged_before(self, moment: float) -> set[str]:
        with self.lock:
            return {text for when, text in self.acknowledged if when < moment}


@pytest.fixture
def two_servers(tmp_path, migrated_database):
    """Two gunicorn servers, each its own process group, on one database with one article; and the app."""
    instance = tmp_path / "instance"
    database = new_database_url(instance, template=migrated_database)
    settings = settings_for_tests(instance, TESTING=False, SECRET_KEY="shared-by-both-servers",
                                  SQLALCHEMY_DATABASE_URI=database)
    app = create_app(settings)
    with app.app_context():
        article = Article(title="Shared", slug="shared", status=ArticleStatus.PUBLISHED, published_at=now_utc(),
                          category=Category.get_or_create("Local"))
        article.set_body("Body.")
        db.session.add(article)
        db.session.commit()
        article_id = article.id
        db.session.remove()
    ports, processes = [free_port(), free_port()], []
    for port in ports:
        processes.append(subprocess.Popen(
            [str(GUNICORN), "--workers", "2", "--no-control-socket", "--bind", f"127.0.0.1:{port}",
             f"app:create_app({settings!r})"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True))
    for port, process in zip(ports, processes, strict=True):
        wait_until_listening(port, process)
    yield app, [f"http://127.0.0.1:{port}" for port in ports], processes, article_id
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        process.stderr.close()
    with app.app_context():
        db.engine.dispose()
    drop_database(database)


def text_of(body_html: str) -> str:
    """A one-paragraph comment's text, as it was sent."""
    return re.sub(r"</?p>", "", body_html).strip()


def stored_comments(app) -> list[Comment]:
    with app.app_context():
        comments = list(db.session.execute(select(Comment)).scalars())
        db.session.expunge_all()
        db.session.remove()
        db.engine.dispose()
        return comments


def test_a_backup_taken_under_load_holds_every_comment_answered_before_it_began(two_servers, tmp_path):
    app, servers, _, article_id = two_servers
    destination = tmp_path / "backups"
    with Stream(servers, article_id) as stream:
        stream.wait_for_answers(BEFORE)
        began = time.monotonic()
        with app.app_context():
            made = app.test_cli_runner().invoke(args=["backup", str(destination)])
            db.engine.dispose()
        stream.wait_for_answers(AFTER, since=began)
    assert made.exit_code == 0, made.output
    answered_before = stream.acknowledged_before(began)
    reads_before = sum(1 for when in stream.reads if when < began)
    assert len(answered_before) >= BEFORE and len(stream.acknowledged) > len(answered_before)  # it was under load

    [folder] = (path for path in destination.iterdir() if path.name[0].isdigit())
    manifest = json.loads((folder / "manifest.json").read_text())
    target_instance = tmp_path / "target"
    target = create_app(settings_for_tests(target_instance, SQLALCHEMY_DATABASE_URI=new_database_url(target_instance)))
    with target.app_context():
        restored = target.test_cli_runner().invoke(args=["restore", str(folder)])
        assert restored.exit_code == 0, restored.output
        texts = {text_of(html) for html in db.session.execute(select(Comment.body_html)).scalars()}
        reads = db.session.get(Article, article_id).reads
        assert len(texts) == manifest["tables"]["comments"]
        db.session.remove()
        db.engine.dispose()
    assert answered_before <= texts and texts <= stream.sent
    assert reads >= reads_before
    page = target.test_client().get("/articles/shared", headers={"User-Agent": BROWSER_AGENT})
    html = page.get_data(as_text=True)  # the newest page of comments, and the exact count of them all
    assert page.status_code == 200 and f"{len(texts):,} comments in all." in html
    assert re.search(r"Load comment \d+-\d+", html)


def test_a_server_killed_in_a_stream_of_comments_loses_none_it_answered(two_servers):
    app, servers, processes, article_id = two_servers
    with Stream(servers, article_id) as stream:
        stream.wait_for_answers(BEFORE)
        os.killpg(processes[0].pid, signal.SIGKILL)  # the master and its workers, mid-request
        killed = time.monotonic()
        stream.wait_for_answers(AFTER, since=killed)  # the other server goes on answering
    processes[0].wait(timeout=10)
    stored = stored_comments(app)
    texts = [text_of(comment.body_html) for comment in stored]
    assert {text for _, text in stream.acknowledged} <= set(texts)  # every answered comment is there
    assert len(texts) == len(set(texts)) and set(texts) <= stream.sent  # once each, and only what was sent
    assert all(comment.author_name == "Ann" and re.fullmatch(r"<p>Load comment \d+-\d+</p>", comment.body_html)
               for comment in stored)  # no row half-written
    status, _, html = Browser().get(servers[1] + "/articles/shared")
    assert status == 200 and re.search(r"Load comment \d+-\d+", html)
