"""docs/deploy.md's settings file and its `deploy/flask` commands, run as the guide writes them."""

from __future__ import annotations

import getpass
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD
from tests.databases import new_database_url

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "deploy.md").read_text()
# The `deploy/flask` commands this file runs, as the guide writes them, in the order it runs them.
RUN_HERE = ["init-db --without-demo", 'create-admin yourname --display-name "Your Name"', "init-db", "housekeeping",
            "backup /srv/backups", "backup /srv/backups --keep 14", "db current",
            "restore /srv/backups/2026-12-03T030000Z --replace", "restore /srv/backups/<the newest> --replace --yes"]


def shell_blocks() -> list[str]:
    """The guide's ```sh blocks."""
    return re.findall(r"```sh\n(.*?)```", GUIDE, re.DOTALL)


def settings_step() -> str:
    """The guide's commands that write /etc/ledger/env: its `cat > ... <<EOF ... EOF`."""
    return next(re.search(r"cat > /etc/ledger/env <<EOF\n.*?\nEOF\n", block, re.DOTALL)[0]
                for block in shell_blocks() if "cat > /etc/ledger/env" in block)


@pytest.fixture
def settings_file(tmp_path) -> Path:
    """/etc/ledger/env as the guide's step writes it, in a temp folder, on this test's database and media folder."""
    written = tmp_path / "env"
    subprocess.run(["sh", "-c", settings_step().replace("/etc/ledger/env", str(written))], check=True)
    text = written.read_text()
    text = text.replace("DATABASE_URL=postgresql:///news", f"DATABASE_URL={new_database_url(tmp_path / 'instance')}")
    text = text.replace("MEDIA_ROOT=/srv/ledger/instance/media", f"MEDIA_ROOT={tmp_path / 'media'}")
    written.write_text(text)
    return written


def deploy_flask(settings: Path, command: str, stdin: str = "") -> subprocess.CompletedProcess:
    """`deploy/flask COMMAND` as the guide runs it, as this user, with these settings."""
    environment = {"PATH": "/usr/bin:/bin", "LEDGER_ENV": str(settings), "LEDGER_USER": getpass.getuser()}
    return subprocess.run(["sh", "-c", f"deploy/flask {command}"], cwd=ROOT, env=environment, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_every_deploy_flask_command_of_the_guide_is_one_this_file_runs():
    in_blocks = {line.split("deploy/flask ", 1)[1].strip() for block in shell_blocks() for line in block.splitlines()
                 if line.startswith("deploy/flask ")}
    in_text = set(re.findall(r"`deploy/flask ([^`]+)`", GUIDE))
    assert in_blocks | in_text == set(RUN_HERE)


def test_the_settings_file_of_the_guide_holds_a_fresh_key_and_an_https_site(settings_file):
    text = settings_file.read_text()
    assert re.search(r"^SECRET_KEY=[0-9a-f]{64}$", text, re.MULTILINE)
    assert "SITE_URL=https://news.example.org\n" in text and "TRUSTED_PROXIES=127.0.0.1\n" in text


def test_the_guide_takes_a_clean_database_to_a_site_with_its_first_admin_and_its_backups(settings_file, tmp_path):
    outputs = {}
    for command in RUN_HERE:
        newest = next(iter(sorted((tmp_path / "backups").glob("2*"), reverse=True)), tmp_path / "none")
        runnable = (command.replace("/srv/backups/2026-12-03T030000Z", str(newest))
                    .replace("/srv/backups/<the newest>", str(newest)).replace("/srv/backups", str(tmp_path / "backups")))
        answers = ADMIN_PASSWORD + "\n" if command.startswith("create-admin") else "y\n"
        if command.startswith("create-admin"):
            runnable += " --password-stdin"  # the guide's admin types it twice at the prompt instead
        done = deploy_flask(settings_file, runnable, stdin=answers)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        outputs[command] = done.stdout
    assert "yourname" in outputs['create-admin yourname --display-name "Your Name"']
    assert outputs["housekeeping"].startswith("Removed 0 ")
    assert "(0 not in an earlier backup)" in outputs["backup /srv/backups --keep 14"]
    assert "(head)" in outputs["db current"]
    assert "Replace everything this site holds (users 1" in outputs["restore /srv/backups/2026-12-03T030000Z --replace"]
    assert "Restored " in outputs["restore /srv/backups/<the newest> --replace --yes"]


def test_without_its_settings_file_deploy_flask_says_so_in_one_line(tmp_path):
    missing = deploy_flask(tmp_path / "no-such-env", "init-db")
    assert missing.returncode == 2
    assert missing.stderr == (f"deploy/flask: cannot read the site's settings in {tmp_path / 'no-such-env'} "
                              "(run it as root, or set LEDGER_ENV)\n")
